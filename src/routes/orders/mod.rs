//! The result page: where an order and its payment stand, in words a shopper understands;
//! its status poll; and the route Mercado Pago's wallet sends the shopper back to.

mod challenge;
mod instructions;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::future::LocalBoxFuture;

use crate::db::attempts;
use crate::db::orders::{self, Order};
use crate::domain::order_status::Source;
use crate::domain::{OrderId, OrderStatus, PaymentId, ShopperId};
use crate::i18n::{not_paid_yet, outcome_unknown_message, status_message, StatusMessage, Tone};
use crate::payments::apply::{apply, Claimant};
use crate::payments::resolve::{self, Resolution};

use crate::session::TypedSession;
use crate::state::AppState;
use challenge::{Challenge, StatusScreen};
use instructions::Instructions;

use super::page::{render, PageContext, PageError};

#[derive(Template)]
#[template(path = "result.html")]
struct ResultPage {
    ctx: PageContext,
    order: Order,
    message: StatusMessage,
    tone: &'static str,
    payment_id: Option<PaymentId>,
    status: String,
    status_detail: String,
    can_pay: bool,
    refresh: bool,
    poll: bool,
    order_status: &'static str,
    instructions: Option<Instructions>,
    challenge: Option<Challenge>,
    status_screen: Option<StatusScreen>,
    /// `?t=<token>` when the page was opened by its signed link, for its own links.
    link_query: String,
    /// The summary's pictures.
    pictures: crate::routes::pictures::LinePictures,
    /// Physical goods: where to, and whether shipped (carrier, tracking) or delivered.
    delivery: Option<crate::db::delivery::Delivery>,
    dt: &'static crate::i18n::ship::DeliveryTexts,
}

/// Asks Mercado Pago about an unanswered call; true when the order changed.
/// Reloads are bounded like hints (per order), so a reloading shopper cannot flood Mercado Pago.
async fn resolve(state: &AppState, id: OrderId) -> bool {
    let Ok(Some(_)) = attempts::unknown_attempt(&state.pool, id).await else {
        return false;
    };
    let Some(_permit) = state.hints.admit(&format!("order:{id}")) else {
        return false;
    };
    match resolve::resolve_unknown(
        &state.lender,
        &state.mercadopago,
        id,
        &state.timings,
        Source::Reconciliation,
        state.refund_with(),
    )
    .await
    {
        Ok(Resolution::NotYet | Resolution::NothingToResolve) => false,
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "could not resolve an unknown payment outcome yet");
            false
        }
    }
}

/// The order the path's `{id}` names, if this session placed it, or if the request carries
/// a valid signed link to it (`?t=`, from the order's e-mails). Without either, anyone gets
/// 404, the same answer as for an order that does not exist; a tampered link gets 403 and an
/// expired one 410, each with a page that says so and shows nothing of the order.
pub struct OwnOrder {
    /// The session's shopper; `None` when the order was opened by its signed link.
    shopper: Option<ShopperId>,
    order: Order,
    /// The signed link's token, carried on to the page's own links (its status poll).
    token: Option<String>,
}

#[derive(serde::Deserialize)]
struct LinkQuery {
    t: Option<String>,
}

fn link_refused(req: &HttpRequest, problem: crate::mail::LinkProblem) -> PageError {
    let chrome = req
        .app_data::<web::Data<crate::security::ErrorChrome>>()
        .map(|c| *c.get_ref())
        .unwrap_or(crate::security::ErrorChrome {
            lang: crate::domain::Lang::En,
            sandbox: false,
            test_credentials: false,
        });
    let t = crate::i18n::mail::mail_texts(chrome.lang);
    let (title, body) = match problem {
        crate::mail::LinkProblem::Tampered => (t.link_tampered_title, t.link_tampered_body),
        crate::mail::LinkProblem::Expired => (t.link_expired_title, t.link_expired_body),
    };
    PageError::LinkRefused {
        problem,
        html: crate::security::error_page_html(&chrome, title, body),
    }
}

impl FromRequest for OwnOrder {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let id = req.match_info().get("id").and_then(OrderId::parse);
        let session = TypedSession::extract(req);
        let token = web::Query::<LinkQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.into_inner().t);
        // Checked before the future, which cannot hold the request.
        let refused = match (&state, id, &token) {
            (Some(state), Some(id), Some(token)) => state
                .order_links
                .verify(id, token, time::OffsetDateTime::now_utc())
                .err()
                .map(|problem| link_refused(req, problem)),
            _ => None,
        };
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("no AppState"))?;
            let id = id.ok_or(PageError::NotFound)?;
            if let Some(refused) = refused {
                return Err(refused);
            }
            if token.is_some() {
                let order = reload(&state, id, None).await?;
                return Ok(OwnOrder {
                    shopper: None,
                    order,
                    token,
                });
            }
            let session = session.await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let shopper = session.shopper_if_known()?.ok_or(PageError::NotFound)?;
            let order = reload(&state, id, Some(shopper)).await?;
            Ok(OwnOrder {
                shopper: Some(shopper),
                order,
                token: None,
            })
        })
    }
}

/// The order again: the session's own, or (opened by its signed link) whoever placed it.
async fn reload(
    state: &AppState,
    id: OrderId,
    shopper: Option<ShopperId>,
) -> Result<Order, PageError> {
    match shopper {
        Some(shopper) => orders::find_for_shopper(&state.pool, id, shopper).await?,
        None => orders::find_any(&state.pool, id).await?,
    }
    .ok_or(PageError::NotFound)
}

/// Visible only to the session that placed the order: anyone else gets 404.
pub async fn result(
    state: web::Data<AppState>,
    session: TypedSession,
    own: OwnOrder,
) -> Result<HttpResponse, PageError> {
    let OwnOrder {
        shopper,
        mut order,
        token,
    } = own;
    let id = order.id;
    if order.status == OrderStatus::PaymentUnknown && resolve(&state, id).await {
        order = reload(&state, id, shopper).await?;
    }
    let payment = orders::latest_payment(&state.pool, id).await?;
    let lang = state.site.lang();
    let (message, status, status_detail) = match (&payment, order.status) {
        (_, OrderStatus::Processing | OrderStatus::PaymentUnknown) => {
            (outcome_unknown_message(lang), String::new(), String::new())
        }
        (Some(p), _) => (
            status_message(
                lang,
                &p.status,
                &p.status_detail,
                &p.amount.to_string(),
                &p.payment_method_id,
            ),
            p.status.to_string(),
            p.status_detail.to_string(),
        ),
        (None, _) => (not_paid_yet(lang), String::new(), String::new()),
    };
    let tone = match message.tone {
        Tone::Success => "success",
        Tone::Waiting => "waiting",
        Tone::Failure => "failure",
    };
    let challenge = payment
        .as_ref()
        .filter(|_| order.status == OrderStatus::PaymentPending)
        .and_then(Challenge::of);
    // Pages of undecided payments update themselves (and refresh without JavaScript, except
    // during a challenge, which a reload would cut off).
    let poll = matches!(
        order.status,
        OrderStatus::Processing
            | OrderStatus::PaymentUnknown
            | OrderStatus::PaymentInProcess
            | OrderStatus::PaymentPending
    );
    if challenge.is_none() && !order.status.accepts_payment() && shopper.is_some() {
        spend_cart(&session, id)?;
    }
    let csp = challenge.as_ref().map(|c| {
        let (name, policy) = &state.csp;
        (
            *name,
            crate::security::csp::with_challenge_origin(policy, &c.origin),
        )
    });
    let pictures =
        crate::routes::pictures::LinePictures::of(&state.catalog.active(&state.pool).await?);
    let delivery = crate::db::delivery::delivery_of(&state.pool, order.id).await?;
    let page = render(&ResultPage {
        pictures,
        delivery,
        dt: crate::i18n::ship::delivery_texts(state.site.lang()),
        refresh: poll && challenge.is_none(),
        poll,
        status_screen: payment.as_ref().and_then(|p| StatusScreen::of(&state, p)),
        challenge,
        order_status: order.status.as_str(),
        instructions: payment
            .as_ref()
            .and_then(|p| Instructions::of(p, state.site)),
        ctx: PageContext::new(&state, &session)?,
        // Paying again needs the session's cart; a signed link only shows the order.
        can_pay: order.status.accepts_payment() && shopper.is_some(),
        link_query: token.map(|t| format!("?t={t}")).unwrap_or_default(),
        payment_id: payment.as_ref().map(|p| p.id),
        order,
        message,
        tone,
        status,
        status_detail,
    });
    match (page, csp) {
        (Ok(mut response), Some((name, policy))) => {
            use actix_web::http::header::{HeaderName, HeaderValue};
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&policy),
            ) {
                response.headers_mut().insert(name, value);
            }
            Ok(response)
        }
        (page, _) => page,
    }
}

/// The order is decided (or no longer this session's to pay): its cart is spent. Only the
/// cart the order was made from; a cart the shopper has changed since is theirs to keep.
fn spend_cart(session: &TypedSession, id: OrderId) -> Result<(), PageError> {
    let Some(open) = session.open_order()? else {
        return Ok(());
    };
    if open.id == id && open.cart_fingerprint == session.cart()?.fingerprint() {
        session.finish_order();
    }
    Ok(())
}

/// `GET /orders/{id}/status`: where the order stands, for the result page's own polling.
pub async fn status(state: web::Data<AppState>, own: OwnOrder) -> Result<HttpResponse, PageError> {
    let OwnOrder {
        shopper, mut order, ..
    } = own;
    let id = order.id;
    let mut payment = orders::latest_payment(&state.pool, id).await?;
    let challenged = payment
        .as_ref()
        .filter(|p| challenge::waits_for_challenge(p))
        .map(|p| p.id);
    if let Some(payment_id) = challenged.filter(|_| order.status == OrderStatus::PaymentPending) {
        if challenge::follow(&state, id, payment_id).await {
            order = reload(&state, id, shopper).await?;
            payment = orders::latest_payment(&state.pool, id).await?;
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({
            "order_status": order.status.as_str(),
            "payment_status": payment.as_ref().map(|p| p.status.clone()),
            "status_detail": payment.as_ref().map(|p| p.status_detail.clone()),
        })))
}

/// `GET /orders/{id}/return`: Mercado Pago's wallet sends the shopper back here. The query
/// string is never believed: the order's payments are read from Mercado Pago and applied.
/// Only the session that placed the order may make us ask, at a bounded rate, and not about
/// an order that is already settled.
pub async fn back_from_mercadopago(
    state: web::Data<AppState>,
    own: OwnOrder,
) -> Result<HttpResponse, PageError> {
    let order = own.order;
    let id = order.id;
    let undecided = order.status.accepts_payment()
        || matches!(
            order.status,
            OrderStatus::PaymentPending | OrderStatus::PaymentInProcess
        );
    let permit = undecided
        .then(|| state.hints.admit(&format!("order:{id}")))
        .flatten();
    if permit.is_none() {
        return Ok(crate::routes::checkout::redirect(&format!("/orders/{id}")));
    }
    match state.mercadopago.payments_for(&id.to_string()).await {
        Ok(payments) => {
            for payment in &payments {
                apply(
                    &state.lender,
                    &state.metrics,
                    payment,
                    Source::Checkout,
                    Claimant::News,
                    state.refund_with(),
                )
                .await?;
            }
        }
        // The result page still shows the last known state, and the webhook or the
        // reconciliation worker will bring the rest.
        Err(e) => tracing::warn!(error = %e, "could not read the order's payments on return"),
    }
    Ok(crate::routes::checkout::redirect(&format!("/orders/{id}")))
}
