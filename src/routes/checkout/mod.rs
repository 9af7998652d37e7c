//! The checkout page: makes (or reuses) the order for the cart, asks for the delivery of
//! physical goods (`delivery`), and embeds the Payment Brick.

pub mod delivery;

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::orders::{self, Order, OrderLine};
use crate::db::stock::{self, SoldOut};
use crate::domain::{Money, OrderId, OrderStatus, RawAddress, ShopperId};
use crate::i18n::ship::{delivery_texts, stock_texts, DeliveryTexts, StockTexts};
use crate::payments::freshness::prices_still_hold;
use crate::payments::orders as ordering;
use crate::session::{OpenOrder, TypedSession};
use crate::state::AppState;

use super::cart::{priced_cart, CartRow};
use super::page::{render, PageContext, PageError};

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage {
    ctx: PageContext,
    order: Order,
    sdk_url: String,
    public_key: String,
    locale: &'static str,
    /// The Brick's `initialization.amount`: the order's total as a plain decimal.
    amount: String,
    payer_email: String,
    /// The Brick's `customization.paymentMethods`, as JSON.
    payment_methods: String,
    /// `initialization.preferenceId`, for the wallet; empty when there is none.
    preference_id: String,
    /// The shopper's earlier order was replaced because its prices changed.
    repriced: bool,
    /// The summary's pictures.
    pictures: crate::routes::pictures::LinePictures,
    d: &'static DeliveryTexts,
    /// Physical goods: where to and how (its price is in the order's total).
    delivery: Option<DeliveryView>,
}

/// The chosen delivery, as the payment page shows it.
struct DeliveryView {
    address: String,
    shipping_name: String,
    shipping: String,
    shipping_money: Money,
}

/// `?delivery=change`: the delivery form again, filled with the chosen address (a change is
/// only recorded while no payment was tried: `delivery::choose`).
#[derive(serde::Deserialize)]
pub struct CheckoutQuery {
    delivery: Option<String>,
}

pub async fn checkout(
    state: web::Data<AppState>,
    session: TypedSession,
    query: web::Query<CheckoutQuery>,
) -> Result<HttpResponse, PageError> {
    let (cart, catalog, rows, total) = priced_cart(&state, &session).await?;
    if rows.is_empty() {
        return Ok(redirect("/cart"));
    }
    let shopper = session.shopper()?;
    let fingerprint = cart.fingerprint();
    // The page is reloaded often: the open order is read in one round trip, and reused
    // while the cart is unchanged and its prices are still the catalog's.
    // The session's previous order, for a cart that changed since: nothing was tried on it,
    // so it is replaced (cancelled with the new one's placing) rather than left holding its
    // units until its reservation runs out.
    let mut abandoned = None;
    let open = match session.open_order()? {
        Some(open) if open.cart_fingerprint == fingerprint => {
            orders::find_for_shopper(&state.pool, open.id, shopper)
                .await?
                .filter(|order| order.reusable_for(&fingerprint))
        }
        Some(open) => {
            abandoned = orders::find_for_shopper(&state.pool, open.id, shopper)
                .await?
                .filter(|order| order.status == OrderStatus::Created)
                .map(|order| order.id);
            None
        }
        None => None,
    };
    let mut repriced = false;
    let order = match open {
        Some(order)
            if !order.status.accepts_payment() || prices_hold(&state, &order, &catalog).await? =>
        {
            if order.status.accepts_payment() && !order.stock_live {
                // A reused order whose units lapsed takes them again, or the shopper hears
                // "sold out" here, before the payment form.
                if let Err(sold_out) =
                    stock::renew(&state.pool, order.id, state.stock_reservation).await?
                {
                    return sold_out_page(&state, &session, sold_out);
                }
                // Read again: the wallet's preference must end with the renewed hold.
                orders::find_for_shopper(&state.pool, order.id, shopper)
                    .await?
                    .ok_or(PageError::NotFound)?
            } else {
                order
            }
        }
        stale => {
            repriced = stale.is_some();
            let new = NewOrder {
                shopper,
                rows: &rows,
                total,
                fingerprint: &fingerprint,
                replaces: stale.map(|o| o.id).or(abandoned),
            };
            match place(&state, &session, new).await? {
                Ok(order) => order,
                Err(sold_out) => return sold_out_page(&state, &session, sold_out),
            }
        }
    };
    if !order.status.accepts_payment() {
        // Paid, pending or being decided: the result page says where it stands.
        return Ok(redirect(&format!("/orders/{}", order.id)));
    }
    // Physical goods: the address and shipping option come first, as their price is part of
    // the amount the Brick is given.
    let delivery = match delivery::need(&state, &order).await? {
        delivery::Need::Digital => None,
        delivery::Need::Missing => {
            return delivery::form(
                &state,
                &session,
                order,
                &Default::default(),
                None,
                None,
                actix_web::http::StatusCode::OK,
            )
            .await
        }
        delivery::Need::Chosen(d) if query.delivery.as_deref() == Some("change") => {
            return delivery::form(
                &state,
                &session,
                order,
                &RawAddress::from(&d.address),
                d.option_id,
                None,
                actix_web::http::StatusCode::OK,
            )
            .await
        }
        delivery::Need::Chosen(d) => Some(DeliveryView {
            address: d.address.one_line(),
            shipping_name: d.shipping_name,
            shipping: d.shipping.to_string(),
            shipping_money: d.shipping,
        }),
    };
    let profile = state.site.profile();
    let shipping = delivery
        .as_ref()
        .map(|d| (d.shipping_name.clone(), d.shipping_money));
    let preference_id = preference_for(&state, &order, shipping).await;
    let mut payment_methods = state.site.brick_payment_methods();
    if preference_id.is_none() {
        // Without a preference the Brick cannot offer the wallet; cards and the rest still work.
        payment_methods
            .as_object_mut()
            .map(|m| m.remove("mercadoPago"));
    }
    render(&CheckoutPage {
        ctx: PageContext::new(&state, &session)?,
        amount: order.total.to_decimal_string(),
        order,
        sdk_url: state.sdk_url.clone(),
        public_key: state.public_key.clone(),
        locale: profile.locale,
        payer_email: session.payer_email()?.unwrap_or_default(),
        payment_methods: payment_methods.to_string(),
        preference_id: preference_id.unwrap_or_default(),
        repriced,
        pictures: crate::routes::pictures::LinePictures::of(&catalog),
        d: delivery_texts(state.site.lang()),
        delivery,
    })
}

/// Whether the order's prices still stand: compared with the (cached) catalog while they are
/// fresh, with the database's once they are older than the freshness window.
async fn prices_hold(
    state: &AppState,
    order: &Order,
    catalog: &[crate::db::products::Product],
) -> Result<bool, PageError> {
    let age = time::OffsetDateTime::now_utc() - order.priced_at;
    if age <= state.order_freshness {
        return Ok(order.priced_as(catalog));
    }
    Ok(prices_still_hold(&state.pool, order.id, state.site.currency()).await?)
}

struct NewOrder<'a> {
    shopper: ShopperId,
    rows: &'a [CartRow],
    total: Money,
    fingerprint: &'a str,
    /// An open order whose prices changed: cancelled in the same transaction.
    replaces: Option<OrderId>,
}

/// Places the order for the priced cart and makes it the session's open order.
async fn place(
    state: &AppState,
    session: &TypedSession,
    new: NewOrder<'_>,
) -> Result<Result<Order, SoldOut>, PageError> {
    let lines: Vec<OrderLine> = new
        .rows
        .iter()
        .map(|r| OrderLine {
            product_id: r.product.id,
            name: r.product.name.clone(),
            unit_price: r.product.price,
            quantity: r.quantity as i32,
            line_total: r.line_total,
        })
        .collect();
    let placed = ordering::place(
        &state.pool,
        ordering::NewOrder {
            shopper: new.shopper,
            site: state.site,
            lines: &lines,
            total: new.total,
            fingerprint: new.fingerprint,
            replaces: new.replaces,
            hold: state.stock_reservation,
        },
    )
    .await?;
    match placed {
        ordering::Placed::New(order) => {
            session.set_open_order(&OpenOrder {
                id: order.id,
                cart_fingerprint: new.fingerprint.to_string(),
            })?;
            session.renew();
            Ok(Ok(order))
        }
        ordering::Placed::BeingPaid(order) => Ok(Ok(order)),
        ordering::Placed::SoldOut(sold_out) => Ok(Err(sold_out)),
    }
}

#[derive(Template)]
#[template(path = "sold_out.html")]
struct SoldOutPage {
    ctx: PageContext,
    s: &'static StockTexts,
    product: String,
    message: String,
}

/// "Sold out", naming the product, as a 409: no order was placed or kept for the payment form.
fn sold_out_page(
    state: &AppState,
    session: &TypedSession,
    sold_out: SoldOut,
) -> Result<HttpResponse, PageError> {
    let lang = state.site.lang();
    let page = SoldOutPage {
        ctx: PageContext::new(state, session)?,
        s: stock_texts(lang),
        message: crate::i18n::ship::sold_out(lang, &sold_out.product),
        product: sold_out.product,
    };
    let mut response = render(&page)?;
    *response.status_mut() = actix_web::http::StatusCode::CONFLICT;
    Ok(response)
}

async fn preference_for(
    state: &AppState,
    order: &Order,
    shipping: Option<(String, Money)>,
) -> Option<String> {
    ordering::wallet_preference(
        &state.mercadopago,
        &state.pool,
        order,
        ordering::PreferenceTerms {
            expiration: state.preference_expiration,
            back: state.url(&format!("/orders/{}/return", order.id)),
            notification_url: state.notification_url(),
            shipping,
        },
    )
    .await
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}
