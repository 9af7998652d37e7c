//! `/v1/payments/{id}/refunds`: full (`{}`) and partial (`{"amount": x}`) refunds.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::{bad_request, gate, idempotency_key, mp_error, not_found, record};
use crate::money::Amount;
use crate::payments::{decimals, now_text, parse_amount, set_status};
use crate::Sandbox;

pub async fn create(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
    body: Option<web::Json<Value>>,
) -> HttpResponse {
    let body = body.map(|b| b.into_inner()).unwrap_or(json!({}));
    record(&sandbox, &req, &body);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let Some(key) = idempotency_key(&req) else {
        return bad_request(4292, "Header X-Idempotency-Key is missing");
    };
    let Some(id) = path
        .parse::<i64>()
        .ok()
        .filter(|id| sandbox.payment(*id).is_some())
    else {
        return not_found("Payment not found");
    };
    let replay_key = format!("refund:{id}:{key}");
    if let Some(replay) = sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .idempotency
        .get(&replay_key)
        .cloned()
    {
        if replay.request != body {
            return mp_error(
                409,
                "conflict",
                "the idempotency key was already used with another request",
                2032,
            );
        }
        return HttpResponse::Created().json(replay.body);
    }
    match refund(&sandbox, id, &body) {
        Ok(refund) => {
            sandbox.inner.store.lock().unwrap().idempotency.insert(
                replay_key,
                crate::store::Replay {
                    request: body,
                    status: 201,
                    body: refund.clone(),
                },
            );
            HttpResponse::Created().json(refund)
        }
        Err(refusal) => *refusal,
    }
}

/// Refunds `body.amount` (or all that remains) of an approved payment and notifies: the API's
/// refunds and the panel's (control API) share this.
pub fn refund(sandbox: &Sandbox, id: i64, body: &Value) -> Result<Value, Box<HttpResponse>> {
    let payment = sandbox
        .payment(id)
        .ok_or_else(|| Box::new(not_found("Payment not found")))?;
    if payment["status"].as_str() != Some("approved") {
        return Err(Box::new(bad_request(
            2063,
            "The action requested is not valid for the current payment state",
        )));
    }
    let places = decimals(sandbox);
    let zero = Amount::zero(places);
    let total = parse_amount(&payment["transaction_amount"], places).unwrap_or(zero);
    let refunded =
        Amount::from_json(&payment["transaction_amount_refunded"], places).unwrap_or(zero);
    let remaining = total.checked_sub(refunded).unwrap_or(zero);
    let amount = match body.get("amount") {
        None | Some(Value::Null) => remaining,
        Some(Value::Number(n)) => match Amount::parse(&n.to_string(), places) {
            Some(m) if m.minor() > 0 => m,
            Some(_) => {
                return Err(Box::new(bad_request(
                    4040,
                    "amount attribute must be positive",
                )))
            }
            None if n.to_string().starts_with('-') => {
                return Err(Box::new(bad_request(
                    4040,
                    "amount attribute must be positive",
                )))
            }
            None => {
                return Err(Box::new(bad_request(
                    4041,
                    "amount attribute must be numeric",
                )))
            }
        },
        Some(_) => {
            return Err(Box::new(bad_request(
                4041,
                "amount attribute must be numeric",
            )))
        }
    };
    if amount.minor() == 0 || amount.minor() > remaining.minor() {
        return Err(Box::new(bad_request(
            4040,
            "the amount is more than what remains to refund",
        )));
    }
    let refund_id = sandbox.inner.store.lock().unwrap().new_refund_id();
    let refund = json!({
        "id": refund_id, "payment_id": id, "amount": amount.to_json_number(), "metadata": {},
        "source": {"id": "1", "name": "collector", "type": "collector"},
        "date_created": now_text(), "unique_sequence_number": null, "refund_mode": "standard",
        "adjustment_amount": 0, "status": "approved", "reason": null, "labels": [],
    });
    let now_refunded = refunded.checked_add(amount).unwrap_or(total);
    {
        let mut store = sandbox.inner.store.lock().unwrap();
        if let Some(p) = store.payments.get_mut(&id) {
            p["transaction_amount_refunded"] = now_refunded.to_json_number().into();
            if let Some(list) = p["refunds"].as_array_mut() {
                list.push(refund.clone());
            }
        }
    }
    if now_refunded == total {
        set_status(sandbox, id, "refunded", "refunded");
    } else {
        set_status(sandbox, id, "approved", "partially_refunded");
    }
    Ok(refund)
}

pub async fn list(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
) -> HttpResponse {
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    match path.parse::<i64>().ok().and_then(|id| sandbox.payment(id)) {
        Some(p) => HttpResponse::Ok().json(p["refunds"].clone()),
        None => not_found("Payment not found"),
    }
}

pub async fn get(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<(String, i64)>,
) -> HttpResponse {
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let (payment_id, refund_id) = path.into_inner();
    let refund = payment_id
        .parse::<i64>()
        .ok()
        .and_then(|id| sandbox.payment(id))
        .and_then(|p| {
            p["refunds"]
                .as_array()?
                .iter()
                .find(|r| r["id"] == refund_id)
                .cloned()
        });
    match refund {
        Some(r) => HttpResponse::Ok().json(r),
        None => mp_error(404, "not_found", "Refund not found", 2032),
    }
}
