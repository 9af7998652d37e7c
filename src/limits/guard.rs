//! The middleware that spends budgets before a limited route runs, and the refusal: 429 with
//! `Retry-After`, as JSON for the Brick's `/process_payment` and as a page for the others.
//! A refused request reaches no handler, so it changes nothing.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::domain::Lang;
use crate::i18n::rate_limited;
use crate::session::TypedSession;
use crate::state::AppState;

use super::{client_ip, Budget, Limits, Route};

/// The shopper session's cookie (see `startup`).
const SESSION_COOKIE: &str = "checkout_session";

/// Wraps the app inside the session middleware, so it can see who the shopper is.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = Route::of(req.method(), req.match_info().as_str()).and_then(|route| {
        let limits = req.app_data::<web::Data<Limits>>()?;
        let ip = client_ip(req.request());
        limits
            .check(route, ip, session_of(&req))
            .err()
            .map(|(budget, wait)| (route, budget, wait))
    });
    let Some((route, budget, wait)) = refused else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let state = req.app_data::<web::Data<AppState>>();
    if let Some(state) = state {
        state.metrics.rate_limited(route.template());
    }
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    // Info, not warn: refusing a flood is the limiter working, and floods are loud enough.
    tracing::info!(
        route = route.template(),
        budget = match budget {
            Budget::Session => "session",
            Budget::Address => "address",
        },
        retry_after = seconds,
        "request rate limited"
    );
    let chrome = req
        .app_data::<web::Data<crate::security::ErrorChrome>>()
        .map(|c| *c.get_ref());
    let response = refusal(route, chrome, seconds.max(1));
    Ok(req.into_response(response).map_into_right_body())
}

/// The shopper id in the session, or else the session cookie itself; none for a client that
/// sends no cookie, which only the per-address budget can then hold.
fn session_of(req: &ServiceRequest) -> Option<u128> {
    let session = TypedSession::extract(req.request()).into_inner().ok()?;
    if let Ok(Some(shopper)) = session.shopper_if_known() {
        return Some(shopper.0.as_u128());
    }
    let cookie = req.cookie(SESSION_COOKIE)?;
    let digest = Sha256::digest(cookie.value().as_bytes());
    Some(u128::from_be_bytes(digest[..16].try_into().ok()?))
}

fn refusal(
    route: Route,
    chrome: Option<crate::security::ErrorChrome>,
    retry_after: u64,
) -> HttpResponse {
    // Without the error pages' chrome (never, in the app) English is the fallback.
    let words = rate_limited(chrome.map_or(Lang::En, |c| c.lang));
    let mut response = HttpResponse::TooManyRequests();
    response
        .insert_header((RETRY_AFTER, retry_after.to_string()))
        .insert_header((CACHE_CONTROL, "no-store"));
    // Budgets are per minute, so a minute is always long enough to wait.
    if route == Route::Payment {
        return response.json(serde_json::json!({
            "error": "too_many_requests",
            "message": words.payment,
        }));
    }
    let html = match chrome {
        Some(chrome) => crate::security::error_page_html(&chrome, words.title, words.body),
        None => words.body.to_string(),
    };
    response.content_type("text/html; charset=utf-8").body(html)
}
