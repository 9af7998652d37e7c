//! The emulator's own control API (no Mercado Pago equivalent): faults, decide pending
//! payments, panel refunds, wallet purchases, chargebacks, and what was received and sent.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::faults::Faults;
use crate::payments::set_status;
use crate::preferences::PayError;
use crate::Sandbox;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sandbox/control/faults", web::get().to(get_faults))
        .route("/sandbox/control/faults", web::put().to(put_faults))
        .route("/sandbox/control/faults/log", web::get().to(faults_log))
        .route("/sandbox/control/payments", web::get().to(payments))
        .route(
            "/sandbox/control/payments/{id}/{action}",
            web::post().to(act),
        )
        .route(
            "/sandbox/control/preferences/{id}/pay",
            web::post().to(pay_preference),
        )
        .route("/sandbox/control/requests", web::get().to(requests))
        .route("/sandbox/control/deliveries", web::get().to(deliveries))
        .route("/sandbox/control/answer_times", web::get().to(answer_times))
        .route("/sandbox/control/reset", web::post().to(reset));
}

async fn get_faults(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.faults())
}

/// The whole set of faults: fields left out are off. Restarts the generator from `seed`.
async fn put_faults(sandbox: web::Data<Sandbox>, body: web::Bytes) -> HttpResponse {
    let text = String::from_utf8_lossy(&body);
    let text = if text.trim().is_empty() { "{}" } else { &text };
    match Faults::parse(text) {
        Ok(faults) => {
            sandbox.set_faults(faults);
            HttpResponse::Ok().json(sandbox.faults())
        }
        Err(message) => {
            HttpResponse::BadRequest().json(json!({"error": "invalid_faults", "message": message}))
        }
    }
}

async fn faults_log(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.faults_log())
}

/// Every payment as full JSON, oldest first, with no search lag.
async fn payments(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.payments())
}

/// `approve`, `reject`, `expire` a pending payment (approve works past its
/// `date_of_expiration`: a voucher paid on its last day is credited late); `chargeback`,
/// `dispute` an approved one; `refund` it from the panel (`{"amount": x}` or `{}` for all);
/// `overdue` moves a pending payment's `date_of_expiration` into the past and leaves it
/// pending, as a voucher is on the day after its due date while its payment is on its way;
/// `pass_challenge`, `fail_challenge` finish a 3-D Secure challenge as the shopper would;
/// `age` (`{"minutes": n}`) makes a payment n minutes older, as if the test had waited.
async fn act(
    sandbox: web::Data<Sandbox>,
    path: web::Path<(i64, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let (id, action) = path.into_inner();
    let Some(current) = sandbox.payment(id) else {
        return HttpResponse::NotFound()
            .json(json!({"error": "not_found", "message": "no such payment"}));
    };
    if action == "refund" {
        let body: Value =
            if body.is_empty() {
                json!({})
            } else {
                match serde_json::from_slice(&body) {
                    Ok(v @ Value::Object(_)) => v,
                    _ => return HttpResponse::BadRequest().json(
                        json!({"error": "bad_request", "message": "send {\"amount\": x} or {}"}),
                    ),
                }
            };
        return match crate::refunds::refund(&sandbox, id, &body) {
            Ok(refund) => HttpResponse::Created().json(refund),
            Err(refusal) => *refusal,
        };
    }
    let status = current["status"].as_str().unwrap_or("");
    let undecided = matches!(status, "pending" | "in_process" | "authorized");
    if action == "age" {
        let minutes = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|b| b["minutes"].as_i64())
            .filter(|m| (1..=100_000).contains(m));
        let Some(minutes) = minutes else {
            return HttpResponse::BadRequest().json(
                json!({"error": "bad_request", "message": "send {\"minutes\": n}, n from 1"}),
            );
        };
        return match crate::payments::age(&sandbox, id, minutes) {
            Some(p) => HttpResponse::Ok().json(p),
            None => HttpResponse::NotFound().finish(),
        };
    }
    if let Some(pass) = match action.as_str() {
        "pass_challenge" => Some(true),
        "fail_challenge" => Some(false),
        _ => None,
    } {
        return match crate::threeds::finish(&sandbox, id, pass) {
            crate::threeds::Finished::Moved(p) => HttpResponse::Ok().json(p),
            crate::threeds::Finished::NotWaiting(now) => HttpResponse::BadRequest().json(
                json!({"error": "invalid_state", "message": format!("the payment is {now}, not waiting for a challenge")}),
            ),
            crate::threeds::Finished::TooLate => HttpResponse::BadRequest().json(
                json!({"error": "challenge_expired", "message": "the challenge window is over; the payment stays pending"}),
            ),
            crate::threeds::Finished::Unknown => HttpResponse::NotFound().finish(),
        };
    }
    if action == "overdue" {
        if status != "pending" {
            return HttpResponse::BadRequest().json(
                json!({"error": "invalid_state", "message": format!("cannot make a payment that is {status} overdue")}),
            );
        }
        let past = crate::clock::iso(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
        let mut store = sandbox.inner.store.lock().unwrap();
        return match store.payments.get_mut(&id) {
            Some(p) => {
                p["date_of_expiration"] = past.into();
                HttpResponse::Ok().json(p.clone())
            }
            None => HttpResponse::NotFound().finish(),
        };
    }
    let (to, detail, allowed) = match action.as_str() {
        "approve" => ("approved", "accredited", undecided),
        "reject" => ("rejected", "cc_rejected_other_reason", undecided),
        "expire" => ("cancelled", "expired", undecided),
        "chargeback" => (
            "charged_back",
            "settled",
            matches!(status, "approved" | "in_mediation"),
        ),
        "dispute" => ("in_mediation", "in_process", status == "approved"),
        _ => return HttpResponse::NotFound().json(json!({"error": "unknown_action"})),
    };
    if !allowed {
        return HttpResponse::BadRequest()
            .json(json!({"error": "invalid_state", "message": format!("cannot {action} a payment that is {status}")}));
    }
    match set_status(&sandbox, id, to, detail) {
        Some(p) => HttpResponse::Ok().json(p),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn pay_preference(
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
    body: Option<web::Json<Value>>,
) -> HttpResponse {
    let approve = body
        .map(|b| b["approve"].as_bool() != Some(false))
        .unwrap_or(true);
    match crate::preferences::pay(&sandbox, &path, approve) {
        Ok(p) => HttpResponse::Created().json(p),
        Err(PayError::NotFound) => HttpResponse::NotFound()
            .json(json!({"error": "not_found", "message": "no such preference"})),
        Err(PayError::Expired) => HttpResponse::BadRequest().json(
            json!({"error": "preference_expired", "message": "the preference is outside its expiration dates"}),
        ),
    }
}

async fn requests(sandbox: web::Data<Sandbox>) -> HttpResponse {
    let list: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .map(|r| json!({"method": r.method, "path": r.path, "query": r.query, "idempotency_key": r.idempotency_key, "device_id": r.device_id, "body": r.body}))
        .collect();
    HttpResponse::Ok().json(list)
}

/// `[{"idempotency_key", "micros"}]`: each payment creation's time inside the emulator, from
/// its body read to its answer (the configured response delay included).
async fn answer_times(sandbox: web::Data<Sandbox>) -> HttpResponse {
    let store = sandbox.inner.store.lock().unwrap();
    let list: Vec<Value> = store
        .answer_times
        .iter()
        .map(|(key, micros)| json!({"idempotency_key": key, "micros": micros}))
        .collect();
    HttpResponse::Ok().json(list)
}

async fn deliveries(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.inner.store.lock().unwrap().deliveries.clone())
}

/// Forgets payments, tokens, preferences, requests, deliveries and the fault log; the faults
/// in force stay (send `PUT /sandbox/control/faults {}` to turn them off).
async fn reset(sandbox: web::Data<Sandbox>) -> HttpResponse {
    *sandbox.inner.store.lock().unwrap() = Default::default();
    sandbox.inner.faults.lock().unwrap().log.clear();
    HttpResponse::NoContent().finish()
}
