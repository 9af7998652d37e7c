//! 3-D Secure, as Mercado Pago runs it for a card payment sent with
//! `three_d_secure_mode: "optional"` (FACTS §8.2).
//!
//! The trigger is the test cardholder name `CHAL`: its issuer wants a challenge. With
//! `optional` the payment is `pending`/`pending_challenge` with `three_ds_info
//! {external_resource_url, creq}`; without it the issuer declines
//! (`cc_rejected_3ds_mandatory`). The shopper's browser posts `creq` to
//! `external_resource_url` (in an iframe of at least 600×500); the page there lets a person or
//! a test pass or fail; the payment becomes `approved`/`accredited` or
//! `rejected`/`cc_rejected_3ds_challenge`, with webhooks. A challenge not finished within
//! [`CHALLENGE_WINDOW`] cannot be finished any more and its payment stays pending, as Mercado
//! Pago may leave it: the store has to notice.

use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::payments::set_status;
use crate::Sandbox;

/// How long the shopper has to finish a challenge.
pub const CHALLENGE_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The cardholder name whose issuer asks for a challenge.
pub const CHALLENGE_NAME: &str = "CHAL";

/// Where the challenge is, relative to the emulator's base (`{base}` is filled per request).
const CHALLENGE_PATH: &str = "/sandbox/3ds/challenge";

/// `three_ds_info` for payment `id`: the challenge URL and the opaque `creq` the browser posts.
pub fn challenge_info(id: i64) -> Value {
    let creq = json!({
        "threeDSServerTransID": uuid::Uuid::new_v4().to_string(),
        "acsTransID": format!("sandbox-{id}"),
        "messageType": "CReq",
        "messageVersion": "2.2.0",
        "challengeWindowSize": "05",
    });
    json!({
        "external_resource_url": format!("{{base}}{CHALLENGE_PATH}"),
        "creq": URL_SAFE_NO_PAD.encode(creq.to_string()),
    })
}

/// The payment a `creq` belongs to, if it is one of ours.
fn payment_of(creq: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD
        .decode(creq.trim().trim_end_matches('='))
        .ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value["acsTransID"]
        .as_str()?
        .strip_prefix("sandbox-")?
        .parse()
        .ok()
}

/// Whether payment `p` waits for its challenge.
pub fn awaits_challenge(p: &Value) -> bool {
    p["status"] == "pending" && p["status_detail"] == "pending_challenge"
}

/// What the challenge came to: the payment's new status, or why nothing changed.
pub enum Finished {
    Moved(Value),
    NotWaiting(String),
    TooLate,
    Unknown,
}

/// Passes or fails payment `id`'s challenge, within its window, with webhooks.
pub fn finish(sandbox: &Sandbox, id: i64, pass: bool) -> Finished {
    let (payment, started) = {
        let store = sandbox.inner.store.lock().unwrap();
        (
            store.payments.get(&id).cloned(),
            store.created.get(&id).copied(),
        )
    };
    let Some(payment) = payment else {
        return Finished::Unknown;
    };
    if !awaits_challenge(&payment) {
        let now = format!(
            "{}/{}",
            payment["status"].as_str().unwrap_or(""),
            payment["status_detail"].as_str().unwrap_or("")
        );
        return Finished::NotWaiting(now);
    }
    if started.is_some_and(|at| at.elapsed() > CHALLENGE_WINDOW) {
        return Finished::TooLate;
    }
    let (status, detail) = if pass {
        ("approved", "accredited")
    } else {
        ("rejected", "cc_rejected_3ds_challenge")
    };
    match set_status(sandbox, id, status, detail) {
        Some(p) => Finished::Moved(p),
        None => Finished::Unknown,
    }
}

#[derive(Template)]
#[template(path = "sandbox/challenge.html")]
struct ChallengePage {
    creq: String,
    amount: String,
    currency: String,
    last_four: String,
    /// After the shopper's choice: what happened, and no more buttons.
    outcome: Option<String>,
}

#[derive(Deserialize)]
pub struct ChallengeForm {
    creq: String,
    /// `pass` or `fail`; absent when the store's page first posts `creq`.
    result: Option<String>,
}

/// `POST {external_resource_url}`: the issuer's challenge page, as the shopper's browser
/// opens it with `creq`, and the answer to its buttons.
pub async fn challenge(
    sandbox: web::Data<Sandbox>,
    form: web::Form<ChallengeForm>,
) -> HttpResponse {
    let Some(id) = payment_of(&form.creq) else {
        return page_error("This verification request is not valid.");
    };
    let Some(payment) = sandbox.payment(id) else {
        return page_error("This verification request is not valid.");
    };
    let outcome = match form.result.as_deref() {
        None => None,
        Some(result @ ("pass" | "fail")) => Some(match finish(&sandbox, id, result == "pass") {
            Finished::Moved(p) if p["status"] == "approved" => {
                "Verified. The payment is approved; you can go back to the store.".to_string()
            }
            Finished::Moved(_) => {
                "Verification failed. The payment was declined; you can go back to the store."
                    .to_string()
            }
            Finished::NotWaiting(now) => {
                format!("This payment no longer waits for a verification ({now}).")
            }
            Finished::TooLate => {
                "The time to verify this payment is over. Go back to the store.".to_string()
            }
            Finished::Unknown => "This verification request is not valid.".to_string(),
        }),
        Some(_) => return page_error("Choose pass or fail."),
    };
    let outcome = outcome.or_else(|| {
        (!awaits_challenge(&payment))
            .then(|| "This payment no longer waits for a verification.".to_string())
    });
    let text = |v: &Value| {
        v.as_str()
            .map(String::from)
            .unwrap_or_else(|| v.to_string())
    };
    let html = ChallengePage {
        creq: form.creq.clone(),
        amount: payment["transaction_amount"].to_string(),
        currency: text(&payment["currency_id"]),
        last_four: text(&payment["card"]["last_four_digits"]),
        outcome,
    }
    .render();
    match html {
        Ok(html) => framable(HttpResponse::Ok()).body(html),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// `GET` of the challenge URL: the page only opens with a posted `creq`.
pub async fn challenge_get(_req: HttpRequest) -> HttpResponse {
    page_error("Open this page from the store: it needs the payment's verification request.")
}

fn page_error(message: &str) -> HttpResponse {
    framable(HttpResponse::BadRequest()).body(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>3-D Secure</title></head>\
         <body><main><p role=\"alert\">{message}</p></main></body></html>"
    ))
}

/// An issuer's challenge page lives in a frame of any store's page. Setting the policy here
/// also keeps the store's own "never in a frame" headers off it where the emulator is
/// mounted inside the store (sandbox mode).
fn framable(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors *",
        ))
        .insert_header(("X-Frame-Options", "ALLOWALL"));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_creq_names_its_payment() {
        let info = challenge_info(123_456_789);
        let creq = info["creq"].as_str().unwrap();
        assert_eq!(payment_of(creq), Some(123_456_789));
        assert_eq!(payment_of("not-a-creq"), None);
        assert!(info["external_resource_url"]
            .as_str()
            .unwrap()
            .ends_with("/sandbox/3ds/challenge"));
    }
}
