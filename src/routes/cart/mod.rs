//! The cart: a page and three forms, all usable without JavaScript.

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::products::Product;
use crate::domain::{Cart, CartError, Money};
use crate::session::{CartNotice, TypedSession};
use crate::state::AppState;

use super::page::{render, PageContext, PageError};

pub struct CartRow {
    pub product: Product,
    pub quantity: u32,
    pub line_total: Money,
}

/// The session's cart priced from today's catalog (and kept without the products that left
/// it), with the catalog it was priced from.
pub async fn priced_cart(
    state: &AppState,
    session: &TypedSession,
) -> Result<(Cart, std::sync::Arc<Vec<Product>>, Vec<CartRow>, Money), PageError> {
    let catalog = state.catalog.active(&state.pool).await?;
    let mut cart = session.cart()?;
    let (rows, total) = price_cart(&mut cart, &catalog, Money::zero(state.site.currency()))?;
    session.set_cart(&cart)?;
    Ok((cart, catalog, rows, total))
}

/// The cart priced from the catalog; lines whose product left the catalog are dropped.
pub fn price_cart(
    cart: &mut Cart,
    catalog: &[Product],
    zero: Money,
) -> Result<(Vec<CartRow>, Money), PageError> {
    cart.retain_products(|id| catalog.iter().any(|p| p.id == id));
    let mut total = zero;
    let mut rows = Vec::with_capacity(cart.lines().len());
    for line in cart.lines() {
        let product = catalog
            .iter()
            .find(|p| p.id == line.product_id)
            .expect("retained above")
            .clone();
        let line_total = product
            .price
            .checked_mul(line.quantity)
            .and_then(|m| total.checked_add(m).map(|t| (m, t)))
            .map_err(|e| PageError::BadForm(e.to_string()))?;
        total = line_total.1;
        rows.push(CartRow {
            product,
            quantity: line.quantity,
            line_total: line_total.0,
        });
    }
    Ok((rows, total))
}

#[derive(Template)]
#[template(path = "cart.html")]
struct CartPage {
    ctx: PageContext,
    rows: Vec<CartRow>,
    total: Money,
    /// What the last cart form did, for the page's live region.
    notice: &'static str,
}

pub async fn view(
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, PageError> {
    // Priced first: the header's item count must not count products that left the catalog.
    let (_, _, rows, total) = priced_cart(&state, &session).await?;
    let ctx = PageContext::new(&state, &session)?;
    let notice = match session.take_cart_notice()? {
        Some(CartNotice::Added) => ctx.t.added_to_cart,
        Some(CartNotice::Updated) => ctx.t.cart_updated,
        Some(CartNotice::Removed) => ctx.t.cart_removed,
        None => "",
    };
    render(&CartPage {
        ctx,
        rows,
        total,
        notice,
    })
}

#[derive(Deserialize)]
pub struct CartForm {
    csrf_token: String,
    product_id: i64,
    #[serde(default)]
    quantity: Option<u32>,
}

pub async fn add(
    state: web::Data<AppState>,
    session: TypedSession,
    form: web::Form<CartForm>,
) -> Result<HttpResponse, PageError> {
    // Read from memory; nothing is changed before the token is checked.
    let catalog = state.catalog.active(&state.pool).await?;
    change_cart(&session, &form, CartNotice::Added, |cart, form| {
        if !catalog.iter().any(|p| p.id == form.product_id) {
            return Err(PageError::NotFound);
        }
        session.shopper()?;
        cart.add(form.product_id, form.quantity.unwrap_or(1))
            .map_err(bad_form)
    })
}

pub async fn update(
    session: TypedSession,
    form: web::Form<CartForm>,
) -> Result<HttpResponse, PageError> {
    change_cart(&session, &form, CartNotice::Updated, |cart, form| {
        let quantity = form.quantity.ok_or(CartError::QuantityMissing);
        cart.set_quantity(form.product_id, quantity.map_err(bad_form)?)
            .map_err(bad_form)
    })
}

pub async fn remove(
    session: TypedSession,
    form: web::Form<CartForm>,
) -> Result<HttpResponse, PageError> {
    change_cart(&session, &form, CartNotice::Removed, |cart, form| {
        cart.remove(form.product_id);
        Ok(())
    })
}

/// What every cart form does around its one change: check the token, save the cart, leave a
/// notice for the cart page's live region, and show the cart (POST, redirect, GET).
fn change_cart(
    session: &TypedSession,
    form: &CartForm,
    notice: CartNotice,
    change: impl FnOnce(&mut Cart, &CartForm) -> Result<(), PageError>,
) -> Result<HttpResponse, PageError> {
    check_csrf(session, &form.csrf_token)?;
    let mut cart = session.cart()?;
    change(&mut cart, form)?;
    session.set_cart(&cart)?;
    session.set_cart_notice(notice)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/cart"))
        .finish())
}

fn bad_form(e: CartError) -> PageError {
    PageError::BadForm(e.to_string())
}

pub fn check_csrf(session: &TypedSession, presented: &str) -> Result<(), PageError> {
    if session.csrf_matches(presented) {
        Ok(())
    } else {
        Err(PageError::Csrf)
    }
}
