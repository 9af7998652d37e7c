//! The back office's delivery: the site's flat shipping options, and fulfilment (a paid
//! order marked shipped with its carrier and tracking code, or delivered).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::delivery::{self, ShippingOption};
use crate::db::fulfilment::{self, Marked};
use crate::domain::Money;
use crate::i18n::ship::{delivery_texts, DeliveryTexts, ShipProblem};
use crate::i18n::FormProblem;
use crate::state::AppState;

use super::auth::{Admin, AdminForm, CsrfProtected};
use super::{order_id, page, see, AdminContext, AdminError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/shipping", web::get().to(list))
        .route("/shipping", web::post().to(create))
        .route("/shipping/{id}/active", web::post().to(set_active))
        .route("/orders/{id}/ship", web::post().to(ship))
        .route("/orders/{id}/deliver", web::post().to(deliver));
}

#[derive(Template)]
#[template(path = "admin/shipping.html")]
struct ShippingPage {
    ctx: AdminContext,
    d: &'static DeliveryTexts,
    options: Vec<ShippingOption>,
    currency: &'static str,
}

pub async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AdminError> {
    page(&ShippingPage {
        ctx: AdminContext::new(&state, admin),
        d: delivery_texts(state.site.lang()),
        options: delivery::shipping_options(&state.pool, state.site, true).await?,
        currency: state.site.currency().code(),
    })
}

#[derive(Deserialize)]
pub struct OptionForm {
    csrf_token: String,
    name: String,
    price: String,
}

impl CsrfProtected for OptionForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

fn bad(state: &AppState, problem: ShipProblem) -> AdminError {
    AdminError::BadForm(state.site.lang(), FormProblem::Ship(problem))
}

pub async fn create(
    AdminForm { form, .. }: AdminForm<OptionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(bad(&state, ShipProblem::OptionName));
    }
    let currency = state.site.currency();
    let price = Money::parse_decimal(&form.price.trim().replace(',', "."), currency)
        .ok()
        .filter(|m| m.minor() >= 0)
        .ok_or_else(|| {
            bad(
                &state,
                ShipProblem::OptionPrice {
                    currency: currency.code(),
                },
            )
        })?;
    let id = delivery::create_shipping_option(&state.pool, state.site, name, price).await?;
    tracing::info!(option_id = id, "shipping option added");
    Ok(see("/admin/shipping"))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    csrf_token: String,
    /// "true" to offer the option, anything else to withdraw it.
    #[serde(default)]
    active: String,
}

impl CsrfProtected for ActiveForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn set_active(
    AdminForm { form, .. }: AdminForm<ActiveForm>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let active = form.active == "true";
    if !delivery::set_shipping_option_active(&state.pool, state.site, path.into_inner(), active)
        .await?
    {
        return Err(AdminError::NotFound);
    }
    Ok(see("/admin/shipping"))
}

#[derive(Deserialize)]
pub struct ShipForm {
    csrf_token: String,
    #[serde(default)]
    carrier: String,
    #[serde(default)]
    tracking_code: String,
}

impl CsrfProtected for ShipForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// The order's page again after a fulfilment action, or why it was refused.
fn after(
    state: &AppState,
    id: crate::domain::OrderId,
    marked: Marked,
) -> Result<HttpResponse, AdminError> {
    match marked {
        Marked::Done => Ok(see(&format!("/admin/orders/{id}"))),
        Marked::NotPaid => Err(bad(state, ShipProblem::NotPaid)),
        Marked::NoDelivery => Err(bad(state, ShipProblem::NoDelivery)),
    }
}

/// Marks a paid order shipped with its carrier and tracking code.
pub async fn ship(
    AdminForm { form, .. }: AdminForm<ShipForm>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = order_id(&path)?;
    let (carrier, tracking) = (form.carrier.trim(), form.tracking_code.trim());
    let fits =
        |t: &str| !t.is_empty() && t.chars().count() <= 80 && !t.chars().any(char::is_control);
    if !fits(carrier) || !fits(tracking) {
        return Err(bad(&state, ShipProblem::Tracking));
    }
    let marked = fulfilment::mark_shipped(&state.pool, id, carrier, tracking).await?;
    tracing::info!(order_id = %id, outcome = ?marked, "mark shipped");
    after(&state, id, marked)
}

#[derive(Deserialize)]
pub struct DeliverForm {
    csrf_token: String,
}

impl CsrfProtected for DeliverForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Marks a paid order delivered.
pub async fn deliver(
    AdminForm { form: _, .. }: AdminForm<DeliverForm>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = order_id(&path)?;
    let marked = fulfilment::mark_delivered(&state.pool, id).await?;
    tracing::info!(order_id = %id, outcome = ?marked, "mark delivered");
    after(&state, id, marked)
}
