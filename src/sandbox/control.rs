//! The emulator's own control API (no Mercado Pago equivalent): decide pending payments,
//! complete wallet purchases, trigger chargebacks, inspect requests and webhook deliveries.

use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use super::payments::set_status;
use super::Sandbox;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/sandbox/control/payments/{id}/{action}",
        web::post().to(act),
    )
    .route(
        "/sandbox/control/preferences/{id}/pay",
        web::post().to(pay_preference),
    )
    .route("/sandbox/control/requests", web::get().to(requests))
    .route("/sandbox/control/deliveries", web::get().to(deliveries))
    .route("/sandbox/control/reset", web::post().to(reset));
}

/// `approve`, `reject`, `expire` a pending payment; `chargeback`, `dispute` an approved one.
async fn act(sandbox: web::Data<Sandbox>, path: web::Path<(i64, String)>) -> HttpResponse {
    let (id, action) = path.into_inner();
    let Some(current) = sandbox.payment(id) else {
        return HttpResponse::NotFound()
            .json(json!({"error": "not_found", "message": "no such payment"}));
    };
    let status = current["status"].as_str().unwrap_or("");
    let undecided = matches!(status, "pending" | "in_process" | "authorized");
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
    match super::preferences::pay(&sandbox, &path, approve) {
        Some(p) => HttpResponse::Created().json(p),
        None => HttpResponse::NotFound()
            .json(json!({"error": "not_found", "message": "no such preference"})),
    }
}

async fn requests(sandbox: web::Data<Sandbox>) -> HttpResponse {
    let list: Vec<Value> = sandbox
        .requests()
        .into_iter()
        .map(|r| json!({"method": r.method, "path": r.path, "query": r.query, "idempotency_key": r.idempotency_key, "body": r.body}))
        .collect();
    HttpResponse::Ok().json(list)
}

async fn deliveries(sandbox: web::Data<Sandbox>) -> HttpResponse {
    HttpResponse::Ok().json(sandbox.inner.store.lock().unwrap().deliveries.clone())
}

async fn reset(sandbox: web::Data<Sandbox>) -> HttpResponse {
    *sandbox.inner.store.lock().unwrap() = Default::default();
    HttpResponse::NoContent().finish()
}
