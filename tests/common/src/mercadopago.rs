//! The mock Mercado Pago: payment answers (each with a payment id of its own), payments as
//! the API shows them, the requests it received, and notifications signed as it signs them.

use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::{TestApp, WEBHOOK_SECRET};

/// Mercado Pago's answer to payment creations (`POST /v1/payments`), to be mounted (with a
/// priority or a number of times, if need be).
pub fn payment_creation(answer: impl Respond + 'static) -> Mock {
    Mock::given(method("POST"))
        .and(path("/v1/payments"))
        .respond_with(answer)
}

/// A 201 like Mercado Pago's, echoing the request's amount and reference.
pub fn payment_response(status: &str, detail: &str) -> impl wiremock::Respond {
    payment_response_after(status, detail, std::time::Duration::ZERO)
}

pub fn payment_response_after(
    status: &str,
    detail: &str,
    delay: std::time::Duration,
) -> impl wiremock::Respond {
    let status = status.to_string();
    let detail = detail.to_string();
    move |req: &Request| {
        ResponseTemplate::new(201)
            .set_delay(delay)
            .set_body_json(created_payment(req, &status, &detail))
    }
}

/// The payment Mercado Pago creates from this request: a fresh id, the request's amount,
/// method, reference, metadata and expiry echoed back, as Mercado Pago does.
fn created_payment(req: &Request, status: &str, detail: &str) -> Value {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    json!({
        "id": next_payment_id(),
        "status": status,
        "status_detail": detail,
        "transaction_amount": body["transaction_amount"],
        "currency_id": "BRL",
        "payment_method_id": body["payment_method_id"],
        "payment_type_id": "credit_card",
        "external_reference": body["external_reference"],
        "metadata": body["metadata"],
        "date_of_expiration": body["date_of_expiration"],
        "live_mode": false,
    })
}

/// An approved payment, answered after `delay` (past the store's timeout, say).
pub fn approved_after(delay: std::time::Duration) -> impl Respond {
    payment_response_after("approved", "accredited", delay)
}

/// Mercado Pago's 201 for the order's approved payment `id` of 158.80 (the two products
/// `start_checkout` buys), as a re-send under the same key gets it.
pub fn approved_payment(id: i64, order_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "id": id, "status": "approved", "status_detail": "accredited", "transaction_amount": 158.8,
        "currency_id": "BRL", "payment_method_id": "master", "external_reference": order_id}))
}

/// What the Payment Brick posts for a card, with the amount as exact JSON number text.
pub fn card_submission(amount: &str) -> Value {
    json!({
        "selectedPaymentMethod": "credit_card",
        "formData": {
            "token": "ff8080814c11e237014c1ff593b57b4d",
            "issuer_id": "24",
            "payment_method_id": "master",
            "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
            "installments": 1,
            "payer": {
                "email": "test_user_123@testuser.com",
                "identification": {"type": "CPF", "number": "12345678909"}
            }
        }
    })
}

static NEXT_PAYMENT_ID: AtomicI64 = AtomicI64::new(70_000_000_001);

/// A payment id no other payment of this test run has.
pub fn next_payment_id() -> i64 {
    NEXT_PAYMENT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A payment as `GET /v1/payments/{id}` (or search) shows it.
pub fn mp_payment(
    id: i64,
    status: &str,
    detail: &str,
    amount: &str,
    order_id: &str,
    method: &str,
    attempt: Option<i32>,
) -> Value {
    let mut payment = json!({
        "id": id, "status": status, "status_detail": detail,
        "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
        "currency_id": "BRL", "payment_method_id": method,
        "payment_type_id": if method == "pix" { "bank_transfer" } else { "credit_card" },
        "external_reference": order_id, "live_mode": false,
        "metadata": {"order_id": order_id},
    });
    if let Some(attempt) = attempt {
        payment["metadata"]["attempt"] = attempt.into();
    }
    if status == "refunded" {
        payment["transaction_amount_refunded"] = payment["transaction_amount"].clone();
    }
    payment
}

/// The request's `X-Idempotency-Key`, if any.
pub fn idempotency_key(req: &Request) -> Option<String> {
    req.headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl TestApp {
    /// The requests Mercado Pago received with this method and path.
    pub async fn mp_requests(&self, verb: &str, url_path: &str) -> Vec<Request> {
        self.mp
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == verb && r.url.path() == url_path)
            .collect()
    }

    /// The idempotency keys of the payment creations, in the order they arrived.
    pub async fn payment_keys(&self) -> Vec<String> {
        self.payment_calls()
            .await
            .iter()
            .map(|r| idempotency_key(r).unwrap_or_default())
            .collect()
    }

    /// A notification for `payment_id` as Mercado Pago signs it, with `ts` in milliseconds.
    pub async fn notify_signed(&self, payment_id: i64, ts_ms: i64, request_id: &str) -> u16 {
        self.notify_with(payment_id, WEBHOOK_SECRET, ts_ms, request_id)
            .await
            .status()
            .as_u16()
    }

    /// A notification for `payment_id` signed with `secret` (the store's or a wrong one).
    pub async fn notify_with(
        &self,
        payment_id: i64,
        secret: &str,
        ts_ms: i64,
        request_id: &str,
    ) -> reqwest::Response {
        use checkout::mercadopago::signature::{manifest, sign};
        let ts = ts_ms.to_string();
        let v1 = sign(
            secret.as_bytes(),
            &manifest(Some(&payment_id.to_string()), Some(request_id), &ts),
        );
        self.client
            .post(self.url(&format!(
                "/webhooks/mercadopago?data.id={payment_id}&type=payment"
            )))
            .header("x-signature", format!("ts={ts},v1={v1}"))
            .header("x-request-id", request_id)
            .json(
                &json!({"id": 1, "live_mode": false, "type": "payment", "action": "payment.updated",
                          "api_version": "v1", "data": {"id": payment_id.to_string()}}),
            )
            .send()
            .await
            .unwrap()
    }
}

/// Now, in milliseconds since the epoch, as a webhook's `ts`.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
