//! `/checkout/preferences`: what the wallet and credits options pay for.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::auth::{check, mp_error, record};
use super::payments::{currency, now_text, parse_amount, COLLECTOR_ID};
use super::Sandbox;

fn invalid(error: &str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({"message": message, "error": error, "status": 400, "cause": []}))
}

pub async fn create(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    body: web::Json<Value>,
) -> HttpResponse {
    let body = body.into_inner();
    record(&sandbox, &req, &body);
    if let Some(denied) = check(&req) {
        return denied;
    }
    let items = body["items"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return invalid("invalid_items", "items needed");
    }
    for item in &items {
        let quantity_ok = item["quantity"].as_i64().is_some_and(|q| q > 0);
        if parse_amount(&item["unit_price"], currency(&sandbox)).is_none() || !quantity_ok {
            return invalid("invalid_items", "unit_price invalid");
        }
        if item["title"].as_str().is_none_or(str::is_empty) {
            return invalid("invalid_items", "title needed");
        }
    }
    if let Some(n) = body["payment_methods"]["installments"].as_i64() {
        if !(1..=36).contains(&n) {
            return invalid(
                "invalid_payment_methods",
                "installments must be between 1 and 36",
            );
        }
    }
    if body["auto_return"].is_string()
        && body["back_urls"]["success"]
            .as_str()
            .is_none_or(str::is_empty)
    {
        return invalid("invalid_auto_return", "back_url.success must be defined");
    }
    let id = format!("{COLLECTOR_ID}-{}", uuid::Uuid::new_v4());
    let info = req.connection_info();
    let mount = req.path().trim_end_matches("/checkout/preferences");
    let pay_url = format!(
        "{}://{}{}/sandbox/checkout?pref_id={id}",
        info.scheme(),
        info.host(),
        mount
    );
    let mut preference = body.clone();
    for (key, value) in [
        ("id", json!(id)),
        ("init_point", json!(pay_url)),
        ("sandbox_init_point", json!(pay_url)),
        ("collector_id", json!(COLLECTOR_ID)),
        ("client_id", json!("1234567890123456")),
        ("date_created", json!(now_text())),
        ("operation_type", json!("regular_payment")),
        ("site_id", json!(sandbox.inner.config.site_id)),
    ] {
        preference[key] = value;
    }
    sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .insert(id, preference.clone());
    HttpResponse::Created().json(preference)
}

pub async fn get(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
) -> HttpResponse {
    if let Some(denied) = check(&req) {
        return denied;
    }
    match sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .get(path.as_str())
    {
        Some(p) => HttpResponse::Ok().json(p),
        None => mp_error(404, "invalid_id", "preference not found", 404),
    }
}

/// A wallet purchase of a preference: an approved `account_money` payment (or a declined one)
/// with the preference's `external_reference`, as Mercado Pago makes when the buyer pays.
pub fn pay(sandbox: &Sandbox, preference_id: &str, approve: bool) -> Option<Value> {
    let preference = sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .get(preference_id)
        .cloned()?;
    let cur = currency(sandbox);
    let mut total = crate::domain::Money::zero(cur);
    for item in preference["items"].as_array()? {
        let unit = parse_amount(&item["unit_price"], cur)?;
        let line = unit
            .checked_mul(u32::try_from(item["quantity"].as_i64()?).ok()?)
            .ok()?;
        total = total.checked_add(line).ok()?;
    }
    let now = now_text();
    let (status, detail) = if approve {
        ("approved", "accredited")
    } else {
        ("rejected", "cc_rejected_other_reason")
    };
    let mut store = sandbox.inner.store.lock().unwrap();
    let id = store.new_payment_id();
    let payment = json!({
        "id": id, "date_created": now, "date_approved": if approve { json!(now) } else { Value::Null },
        "date_last_updated": now, "date_of_expiration": null, "operation_type": "regular_payment",
        "payment_method_id": "account_money", "payment_type_id": "account_money",
        "status": status, "status_detail": detail, "currency_id": sandbox.inner.config.currency_id,
        "description": preference["items"][0]["title"], "live_mode": false, "collector_id": COLLECTOR_ID,
        "payer": {"email": "test_user_sandbox@testuser.com", "type": "registered"},
        "metadata": preference.get("metadata").cloned().unwrap_or(json!({})),
        "external_reference": preference["external_reference"], "preference_id": preference_id,
        "transaction_amount": total.to_json_number(), "transaction_amount_refunded": 0, "installments": 1,
        "transaction_details": {"net_received_amount": total.to_json_number(), "total_paid_amount": total.to_json_number()},
        "notification_url": preference["notification_url"], "refunds": [], "captured": true,
    });
    store.payments.insert(id, payment.clone());
    drop(store);
    super::webhooks::notify(sandbox, &payment, "payment.created");
    Some(payment)
}
