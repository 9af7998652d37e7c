//! The middleware in front of `/process_payment`: a payment waits for its place past the door
//! (`payments::door::PaymentDoor`) before its session is opened or anything is done for it. Turned
//! away after the wait, the shopper gets `503 store_busy` with `Retry-After`: nothing was
//! charged.
//!
//! It sits outside the session middleware and the rate-limit guard so that a waiting shopper
//! holds as little as possible; a request over its budget is still refused as it passes the
//! door, before any handler runs. The body is read before the wait, with a deadline of its
//! own: a place past the door is never held by a client that sends its body slowly.

use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::payments::door::NotLetIn;
use crate::state::AppState;

use super::PaymentError;

/// The route behind the door.
pub const PATH: &str = "/process_payment";
/// A payment's body is a few hundred bytes, sent with its head.
const BODY_DEADLINE: Duration = Duration::from_secs(10);

pub async fn door(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    // The path the router matches (percent-decoded), not the one on the wire: `/process%5Fpayment`
    // reaches the same handler and must meet the same door.
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (
        state,
        req.method() == Method::POST && req.match_info().as_str() == PATH,
    ) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let body = match tokio::time::timeout(BODY_DEADLINE, req.extract::<web::Bytes>()).await {
        Ok(body) => body?,
        Err(_) => {
            let response = HttpResponse::RequestTimeout()
                .json(serde_json::json!({"error": "body_too_slow", "message": "The payment data did not arrive in time; nothing was charged."}));
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    // Its own right-sized copy: the read buffer it came in is 8 KiB.
    req.set_payload(Payload::from(web::Bytes::copy_from_slice(&body)));
    drop(body);
    let refusal = match state.payment_door.enter().await {
        Ok(_inside) => return Ok(next.call(req).await?.map_into_left_body()),
        Err(NotLetIn::Full) => PaymentError::Crowded(state.payment_door.wait()),
        Err(NotLetIn::Closed) => PaymentError::ShuttingDown,
    };
    state.metrics.payment_request(refusal.request_result());
    let response = refusal.respond(state.site.lang(), None);
    Ok(req.into_response(response).map_into_right_body())
}
