//! The checkout's delivery step: for an order with physical goods, the address in the site's
//! format and a shipping option, before the payment form. The option's price (the database's,
//! never the form's) joins the order's total, which every payment's amount is checked against.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::delivery::{self, Chosen, Delivery, ShippingOption};
use crate::db::orders::{self, Order};
use crate::domain::address::form_fields;
use crate::domain::{DeliveryAddress, RawAddress, Site};
use crate::i18n::ship::{self as words, delivery_texts, DeliveryTexts};
use crate::session::TypedSession;
use crate::state::AppState;

use super::super::cart::check_csrf;
use super::super::page::{render, PageContext, PageError};
use super::redirect;

/// One input of the address form, in the site's terms.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub value: String,
    pub autocomplete: &'static str,
}

/// One radio button of the shipping options.
pub struct OptionView {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "checkout_delivery.html")]
struct DeliveryPage {
    ctx: PageContext,
    d: &'static DeliveryTexts,
    order: Order,
    fields: Vec<FieldView>,
    options: Vec<OptionView>,
    error: Option<String>,
    /// The summary's pictures.
    pictures: crate::routes::pictures::LinePictures,
}

fn autocomplete(field: crate::domain::AddressField) -> &'static str {
    use crate::domain::AddressField as F;
    match field {
        F::PostalCode => "postal-code",
        F::State => "address-level1",
        F::City => "address-level2",
        F::District => "address-level3",
        F::Street => "address-line1",
        F::Number | F::Floor | F::Apartment => "off",
    }
}

fn raw_value(raw: &RawAddress, field: crate::domain::AddressField) -> String {
    use crate::domain::AddressField as F;
    match field {
        F::PostalCode => &raw.postal_code,
        F::State => &raw.state,
        F::City => &raw.city,
        F::District => &raw.district,
        F::Street => &raw.street,
        F::Number => &raw.number,
        F::Floor => &raw.floor,
        F::Apartment => &raw.apartment,
    }
    .clone()
}

/// The delivery form for the order, filled with `raw`, saying `error` if any.
pub async fn form(
    state: &AppState,
    session: &TypedSession,
    order: Order,
    raw: &RawAddress,
    chosen: Option<i64>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let site: Site = state.site;
    let options: Vec<ShippingOption> = delivery::shipping_options(&state.pool, site, false).await?;
    let fields = form_fields(site)
        .iter()
        .map(|&(field, required)| FieldView {
            name: field.name(),
            label: words::field_label(site, field),
            required,
            value: raw_value(raw, field),
            autocomplete: autocomplete(field),
        })
        .collect();
    let first = options.first().map(|o| o.id);
    let options = options
        .into_iter()
        .map(|o| OptionView {
            checked: Some(o.id) == chosen.or(first),
            id: o.id,
            name: o.name,
            price: o.price.to_string(),
        })
        .collect();
    let mut response = render(&DeliveryPage {
        ctx: PageContext::new(state, session)?,
        d: delivery_texts(site.lang()),
        order,
        fields,
        options,
        error,
        pictures: crate::routes::pictures::LinePictures::of(
            &state.catalog.active(&state.pool).await?,
        ),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// Whether the order needs a delivery, and the one chosen if any.
pub enum Need {
    /// Digital goods only: no address, no shipping.
    Digital,
    /// Physical goods, no delivery chosen yet: the form comes before the payment.
    Missing,
    Chosen(Box<Delivery>),
}

pub async fn need(state: &AppState, order: &Order) -> Result<Need, PageError> {
    // Read with the order: a digital order, or one still missing its delivery, costs no query.
    if !order.needs_delivery {
        return Ok(Need::Digital);
    }
    if !order.has_delivery {
        return Ok(Need::Missing);
    }
    Ok(match delivery::delivery_of(&state.pool, order.id).await? {
        Some(d) => Need::Chosen(Box::new(d)),
        None => Need::Missing,
    })
}

#[derive(Deserialize)]
pub struct DeliveryForm {
    csrf_token: String,
    #[serde(default)]
    shipping_option: String,
    #[serde(flatten)]
    address: RawAddress,
}

/// `POST /checkout/delivery`: parses the address by the site's rules and records it with the
/// chosen option; bad input re-shows the form saying what to fix, and changes nothing.
pub async fn choose(
    state: web::Data<AppState>,
    session: TypedSession,
    form: web::Form<DeliveryForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&session, &form.csrf_token)?;
    let (Some(shopper), Some(open)) = (session.shopper_if_known()?, session.open_order()?) else {
        return Ok(redirect("/cart"));
    };
    let Some(order) = orders::find_for_shopper(&state.pool, open.id, shopper).await? else {
        return Ok(redirect("/cart"));
    };
    let lang = state.site.lang();
    let option = form.shipping_option.trim().parse::<i64>().ok();
    let refuse = |order, error: String| form_again(&state, &session, order, &form, option, error);
    let address = match DeliveryAddress::parse(&form.address, state.site) {
        Ok(address) => address,
        Err(e) => {
            return refuse(order, words::address_problem(lang, state.site, &e)).await;
        }
    };
    let Some(option_id) = option else {
        return refuse(order, words::unknown_option(lang).to_string()).await;
    };
    match delivery::choose(
        &state.pool,
        order.id,
        shopper,
        state.site,
        &address,
        option_id,
    )
    .await?
    {
        Chosen::Set(total) => {
            tracing::info!(order_id = %order.id, total = %total.to_decimal_string(), "delivery chosen");
            Ok(redirect("/checkout"))
        }
        Chosen::UnknownOption => refuse(order, words::unknown_option(lang).to_string()).await,
        Chosen::Fixed => {
            let mut response = form_again(
                &state,
                &session,
                order,
                &form,
                option,
                words::delivery_fixed(lang).to_string(),
            )
            .await?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
    }
}

async fn form_again(
    state: &AppState,
    session: &TypedSession,
    order: Order,
    posted: &DeliveryForm,
    option: Option<i64>,
    error: String,
) -> Result<HttpResponse, PageError> {
    tracing::info!(order_id = %order.id, "delivery refused");
    form(
        state,
        session,
        order,
        &posted.address,
        option,
        Some(error),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
