//! The Payment Brick's submit: checked (CSRF, JSON), parsed into domain values, charged by
//! `payments::charge`, answered as JSON.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::{DeviceId, OrderId, OrderStatus, PaymentRequest, RawSubmission};
use crate::metrics::RequestResult;
use crate::payments::charge::PayRequest;
use crate::session::TypedSession;
use crate::state::AppState;

use super::{PaymentAnswer, PaymentError};

const CSRF_HEADER: &str = "x-csrf-token";
/// MercadoPago.js's device id, which the checkout page forwards.
const DEVICE_HEADER: &str = "x-device-id";

#[tracing::instrument(name = "process_payment", skip_all, fields(order_id = tracing::field::Empty))]
pub async fn process_payment(
    req: HttpRequest,
    body: web::Bytes,
    session: TypedSession,
    state: web::Data<AppState>,
) -> HttpResponse {
    let submitted = read(&req, &body, &session, &state);
    // The body sits in an 8 KiB buffer; with thousands of shoppers waiting on Mercado Pago,
    // holding it for the whole call would cost more than everything else a payment holds.
    drop(body);
    let outcome = match submitted {
        Ok(submitted) => charge(&req, submitted, &session, &state).await,
        Err(e) => Err(e),
    };
    state.metrics.payment_request(match &outcome {
        Ok(answer) => RequestResult::of_status(&answer.status),
        Err(e) => e.request_result(),
    });
    match outcome {
        Ok(answer) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(answer),
        Err(e) => {
            // Where the outcome is unknown, the order page is where the shopper will see it.
            let redirect = match session.open_order() {
                Ok(Some(open)) if e.outcome_pending() => Some(result_url(open.id)),
                _ => None,
            };
            e.respond(state.site.lang(), redirect)
        }
    }
}

/// Checks the request and parses its body, before anything is charged.
fn read(
    req: &HttpRequest,
    body: &[u8],
    session: &TypedSession,
    state: &AppState,
) -> Result<PaymentRequest, PaymentError> {
    if state.is_draining() {
        return Err(PaymentError::ShuttingDown);
    }
    let csrf = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !session.csrf_matches(csrf) {
        return Err(PaymentError::Forbidden);
    }
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(PaymentError::NotJson);
    }
    let raw: RawSubmission = serde_path_to_error::deserialize(
        &mut serde_json::Deserializer::from_slice(body),
    )
    .map_err(|e| PaymentError::Malformed {
        path: e.path().to_string(),
        detail: e.inner().to_string(),
    })?;
    Ok(PaymentRequest::parse(
        raw,
        state.site,
        &state.id_types.current(),
    )?)
}

async fn charge(
    req: &HttpRequest,
    payment: PaymentRequest,
    session: &TypedSession,
    state: &AppState,
) -> Result<PaymentAnswer, PaymentError> {
    let client_ip = crate::limits::client_ip(req);
    let device = req
        .headers()
        .get(DEVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(DeviceId::parse);
    let shopper = session.shopper_if_known()?.ok_or(PaymentError::NoOrder)?;
    let open = session.open_order()?.ok_or(PaymentError::NoOrder)?;
    tracing::Span::current().record("order_id", tracing::field::display(open.id));
    session.set_payer_email(payment.payer_email().as_str())?;
    let outcome = state
        .checkout
        .pay(&PayRequest {
            order_id: open.id,
            shopper,
            payment: &payment,
            client_ip,
            device: device.as_ref(),
        })
        .await?;
    // A payment taken spends the cart. One waiting for a 3-D Secure challenge is not taken
    // yet: if the bank refuses, the shopper pays again from the same cart (the result page
    // spends it once the order is decided).
    if !OrderStatus::from_payment_status(&outcome.status).accepts_payment()
        && !outcome.awaits_challenge()
    {
        session.finish_order();
    }
    Ok(PaymentAnswer {
        order_id: outcome.order_id.to_string(),
        payment_id: outcome.payment_id,
        status: outcome.status,
        status_detail: outcome.status_detail,
        redirect_url: result_url(outcome.order_id),
    })
}

pub fn result_url(order_id: OrderId) -> String {
    format!("/orders/{order_id}")
}
