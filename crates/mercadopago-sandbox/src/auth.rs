//! Bearer tokens and Mercado Pago's error shape.

use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::faults::FaultEvent;
use crate::store::RecordedRequest;
use crate::Sandbox;

/// `{message, error, status, cause: [{code, description, data}]}`, as Mercado Pago answers.
pub fn mp_error(status: u16, error: &str, message: &str, code: i64) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)).json(
        json!({
            "message": message,
            "error": error,
            "status": status,
            "cause": [{"code": code, "description": message, "data": null}],
        }),
    )
}

pub fn bad_request(code: i64, message: &str) -> HttpResponse {
    mp_error(400, "bad_request", message, code)
}

pub fn not_found(message: &str) -> HttpResponse {
    mp_error(404, "not_found", message, 2000)
}

/// Test credentials only, as Mercado Pago's sandbox: a bearer token starting with `TEST-`.
/// Returns the refusal to answer with, if any.
pub fn check(req: &HttpRequest) -> Option<HttpResponse> {
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(token) if token.starts_with("TEST-") => None,
        Some(_) => Some(mp_error(401, "unauthorized", "invalid access token", 401)),
        None => Some(mp_error(
            401,
            "unauthorized",
            "Must provide your access_token to proceed",
            5,
        )),
    }
}

/// What the browser's routes take: a test public key in `?public_key=`, or a test bearer
/// token as the server SDKs send. Returns the refusal to answer with, if any.
pub fn check_public_key(req: &HttpRequest) -> Option<HttpResponse> {
    let public_key_ok =
        actix_web::web::Query::<std::collections::HashMap<String, String>>::from_query(
            req.query_string(),
        )
        .ok()
        .and_then(|q| q.get("public_key").cloned())
        .is_some_and(|k| k.starts_with("TEST-"));
    if public_key_ok || check(req).is_none() {
        None
    } else {
        Some(mp_error(401, "unauthorized", "invalid public_key", 401))
    }
}

/// Keeps the request for `Sandbox::requests`, without the bearer token itself.
pub fn record(sandbox: &Sandbox, req: &HttpRequest, body: &Value) {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let entry = RecordedRequest {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        idempotency_key: header("x-idempotency-key"),
        has_bearer: header("authorization").is_some_and(|a| a.starts_with("Bearer ")),
        device_id: header("x-meli-session-id"),
        body: body.clone(),
    };
    let mut store = sandbox.inner.store.lock().unwrap();
    // A long-running sandbox must not grow without end: keep the latest requests only.
    if store.requests.len() >= crate::store::MAX_REQUESTS {
        store.requests.drain(..crate::store::MAX_REQUESTS / 2);
    }
    store.requests.push(entry);
}

/// Credentials, then the `rate_limit` fault: what every API route does first.
pub fn gate(sandbox: &Sandbox, req: &HttpRequest) -> Option<HttpResponse> {
    check(req).or_else(|| rate_limited(sandbox, req))
}

/// A 429 with `Retry-After` when the `rate_limit` fault fires; nothing else happens.
pub fn rate_limited(sandbox: &Sandbox, req: &HttpRequest) -> Option<HttpResponse> {
    let mut faults = sandbox.inner.faults.lock().unwrap();
    let p = faults.faults.rate_limit;
    if !faults.rng.chance(p) {
        return None;
    }
    let retry_after = faults.faults.retry_after_secs;
    faults.record(FaultEvent {
        kind: "rate_limit".into(),
        method: req.method().to_string(),
        path: req.path().to_string(),
        idempotency_key: idempotency_key(req),
        status: Some(429),
        ..Default::default()
    });
    let mut answer = mp_error(429, "too_many_requests", "Too many requests", 429);
    answer.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(retry_after),
    );
    Some(answer)
}

pub fn idempotency_key(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let response = bad_request(1, &format!("Params Error: {err}"));
    actix_web::error::InternalError::from_response(err, response).into()
}
