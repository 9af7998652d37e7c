//! The middleware in front of `/process_payment`: a payment waits for its place past the door
//! (`limits::PaymentDoor`) before its body is read or anything is done for it. Turned away
//! after the wait, the shopper gets `503 store_busy` with `Retry-After`: nothing was charged.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use crate::limits::PaymentDoor;
use crate::metrics::RequestResult;
use crate::state::AppState;

use super::PaymentError;

/// The route behind the door.
pub const PATH: &str = "/process_payment";

pub async fn door(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let (true, Some(door), Some(state)) = (
        req.method() == Method::POST && req.path() == PATH,
        req.app_data::<web::Data<PaymentDoor>>().cloned(),
        req.app_data::<web::Data<AppState>>().cloned(),
    ) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(_inside) = door.enter().await else {
        let refusal = PaymentError::Crowded(door.wait());
        state.metrics.payment_request(RequestResult::Error);
        let response = refusal.respond(state.site.lang(), None);
        return Ok(req.into_response(response).map_into_right_body());
    };
    Ok(next.call(req).await?.map_into_left_body())
}
