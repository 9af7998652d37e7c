//! `GET /metrics`.

use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::metrics::{Refusal, CONTENT_TYPE as EXPOSITION};
use crate::state::AppState;

pub async fn scrape(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let authorization = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let peer = req.peer_addr().map(|a| a.ip());
    match state.metrics.check_access(peer, authorization) {
        Ok(()) => {}
        Err(Refusal::NotHere) => {
            return HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("Not found.\n")
        }
        Err(Refusal::BadToken) => {
            return HttpResponse::Forbidden()
                .content_type("text/plain; charset=utf-8")
                .body("The metrics need a valid bearer token.\n")
        }
    }
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, EXPOSITION))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(state.metrics.exposition(&state.pool).await)
}
