//! `/checkout/preferences`: what the wallet and credits options pay for, with the expiry
//! fields Mercado Pago honours (`expires`, `expiration_date_from`, `expiration_date_to`).

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::auth::{gate, mp_error, record};
use crate::money::Amount;
use crate::payments::{decimals, now_text, parse_amount, COLLECTOR_ID};
use crate::Sandbox;

fn invalid(error: &str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(json!({"message": message, "error": error, "status": 400, "cause": []}))
}

/// Checks the fields a preference may carry; `Some(refusal)` if one is wrong.
fn validate(sandbox: &Sandbox, body: &Value) -> Option<HttpResponse> {
    let items = body["items"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
        return Some(invalid("invalid_items", "items needed"));
    }
    for item in &items {
        let quantity_ok = item["quantity"].as_i64().is_some_and(|q| q > 0);
        if parse_amount(&item["unit_price"], decimals(sandbox)).is_none() || !quantity_ok {
            return Some(invalid("invalid_items", "unit_price invalid"));
        }
        if item["title"].as_str().is_none_or(str::is_empty) {
            return Some(invalid("invalid_items", "title needed"));
        }
    }
    if let Some(n) = body["payment_methods"]["installments"].as_i64() {
        if !(1..=36).contains(&n) {
            return Some(invalid(
                "invalid_payment_methods",
                "installments must be between 1 and 36",
            ));
        }
    }
    if body["auto_return"].is_string()
        && body["back_urls"]["success"]
            .as_str()
            .is_none_or(str::is_empty)
    {
        return Some(invalid(
            "invalid_auto_return",
            "back_url.success must be defined",
        ));
    }
    if !matches!(body["expires"], Value::Null | Value::Bool(_)) {
        return Some(invalid("invalid_expires", "expires must be a boolean"));
    }
    let mut dates = vec![];
    for field in ["expiration_date_from", "expiration_date_to"] {
        match &body[field] {
            Value::Null => dates.push(None),
            Value::String(text) => match crate::clock::parse(text) {
                Some(at) => dates.push(Some(at)),
                None => {
                    return Some(invalid(
                        &format!("invalid_{field}"),
                        &format!("{field} must be an ISO-8601 date with offset"),
                    ))
                }
            },
            _ => {
                return Some(invalid(
                    &format!("invalid_{field}"),
                    &format!("{field} must be a string"),
                ))
            }
        }
    }
    if let [Some(from), Some(to)] = dates[..] {
        if from > to {
            return Some(invalid(
                "invalid_expiration_date_to",
                "expiration_date_to must be after expiration_date_from",
            ));
        }
    }
    None
}

pub async fn create(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    body: web::Json<Value>,
) -> HttpResponse {
    let body = body.into_inner();
    record(&sandbox, &req, &body);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    if let Some(refusal) = validate(&sandbox, &body) {
        return refusal;
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
        ("expires", json!(body["expires"].as_bool().unwrap_or(false))),
        ("expiration_date_from", body["expiration_date_from"].clone()),
        ("expiration_date_to", body["expiration_date_to"].clone()),
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
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    match find(&sandbox, &path) {
        Some(p) => HttpResponse::Ok().json(p),
        None => not_found(),
    }
}

fn not_found() -> HttpResponse {
    mp_error(404, "invalid_id", "preference not found", 404)
}

fn find(sandbox: &Sandbox, id: &str) -> Option<Value> {
    sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .get(id)
        .cloned()
}

/// `PUT /checkout/preferences/{id}`: the fields sent replace the stored ones; ids stay.
pub async fn update(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    let body = body.into_inner();
    record(&sandbox, &req, &body);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let Some(mut preference) = find(&sandbox, &path) else {
        return not_found();
    };
    let Value::Object(changes) = body else {
        return invalid("bad_request", "the body must be a JSON object");
    };
    const FIXED: [&str; 7] = [
        "id",
        "init_point",
        "sandbox_init_point",
        "collector_id",
        "client_id",
        "date_created",
        "site_id",
    ];
    for (key, value) in changes {
        if !FIXED.contains(&key.as_str()) {
            preference[key] = value;
        }
    }
    if let Some(refusal) = validate(&sandbox, &preference) {
        return refusal;
    }
    preference["last_updated"] = json!(now_text());
    sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .insert(path.into_inner(), preference.clone());
    HttpResponse::Ok().json(preference)
}

/// `GET /checkout/preferences/search`: `{elements, next_offset, total}`, filtered by
/// `external_reference`, newest first.
pub async fn search(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let mut found: Vec<Value> = sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .values()
        .filter(|p| {
            query
                .get("external_reference")
                .is_none_or(|want| p["external_reference"].as_str() == Some(want.as_str()))
        })
        .cloned()
        .collect();
    found.sort_by(|a, b| b["date_created"].as_str().cmp(&a["date_created"].as_str()));
    let total = found.len();
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(30);
    let offset: usize = query
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let elements: Vec<Value> = found.into_iter().skip(offset).take(limit).collect();
    let next_offset = offset + elements.len();
    HttpResponse::Ok()
        .json(json!({"elements": elements, "next_offset": next_offset, "total": total}))
}

/// Why a preference cannot be paid.
#[derive(Debug, PartialEq, Eq)]
pub enum PayError {
    NotFound,
    /// `expires` is true and now is past `expiration_date_to` (or before `expiration_date_from`).
    Expired,
}

/// Whether a preference is payable now.
fn expired(preference: &Value, now: OffsetDateTime) -> bool {
    if preference["expires"].as_bool() != Some(true) {
        return false;
    }
    let at = |field: &str| preference[field].as_str().and_then(crate::clock::parse);
    at("expiration_date_to").is_some_and(|to| now > to)
        || at("expiration_date_from").is_some_and(|from| now < from)
}

/// The total of a preference's items.
pub fn total(sandbox: &Sandbox, preference: &Value) -> Option<Amount> {
    let places = decimals(sandbox);
    let mut total = Amount::zero(places);
    for item in preference["items"].as_array()? {
        let unit = parse_amount(&item["unit_price"], places)?;
        total = total.checked_add(unit.checked_mul(item["quantity"].as_i64()?)?)?;
    }
    Some(total)
}

/// Fails unless the preference exists and is payable now.
pub fn payable(sandbox: &Sandbox, preference_id: &str) -> Result<Value, PayError> {
    let preference = find(sandbox, preference_id).ok_or(PayError::NotFound)?;
    if expired(&preference, OffsetDateTime::now_utc()) {
        return Err(PayError::Expired);
    }
    Ok(preference)
}

/// A wallet purchase of a preference: an approved `account_money` payment (or a declined one)
/// with the preference's `external_reference`, as Mercado Pago makes when the buyer pays.
pub fn pay(sandbox: &Sandbox, preference_id: &str, approve: bool) -> Result<Value, PayError> {
    let preference = payable(sandbox, preference_id)?;
    let total = total(sandbox, &preference).ok_or(PayError::NotFound)?;
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
    store.insert_new(id, payment.clone());
    drop(store);
    crate::webhooks::notify(sandbox, &payment, "payment.created");
    Ok(payment)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn only_a_preference_that_expires_can_be_expired() {
        let now = datetime!(2026-11-26 12:00 UTC);
        let p = json!({"expires": true, "expiration_date_to": "2026-11-26T07:59:00.000-04:00"});
        assert!(super::expired(&p, now));
        let p = json!({"expires": false, "expiration_date_to": "2026-11-26T07:59:00.000-04:00"});
        assert!(!super::expired(&p, now));
        let p = json!({"expires": true, "expiration_date_to": "2026-11-26T08:01:00.000-04:00"});
        assert!(!super::expired(&p, now));
        let p = json!({"expires": true, "expiration_date_from": "2026-11-26T09:00:00.000-04:00"});
        assert!(super::expired(&p, now));
    }
}
