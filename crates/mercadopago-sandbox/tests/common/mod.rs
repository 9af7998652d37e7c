//! Helpers shared by the emulator's black-box tests.
#![allow(dead_code)]

use std::time::Duration;

use mercadopago_sandbox::{start_standalone, Faults, RunningSandbox, SandboxConfig};
use serde_json::{json, Value};

pub const TOKEN: &str = "TEST-123-access";
pub const SECRET: &str = "emulator-secret";

pub async fn sandbox(site: &str) -> RunningSandbox {
    with_faults(site, Faults::default()).await
}

pub async fn with_faults(site: &str, faults: Faults) -> RunningSandbox {
    let mut config = SandboxConfig::for_site(site, SECRET).expect("a known site");
    config.faults = faults;
    start_standalone(config).await.unwrap()
}

pub async fn brazil() -> RunningSandbox {
    sandbox("MLB").await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn card_token(sb: &RunningSandbox, name: &str) -> String {
    let res = client()
        .post(format!("{}/v1/card_tokens?public_key=TEST-public", sb.base_url))
        .json(&json!({"card_number": "5031433215406351", "expiration_month": 11, "expiration_year": 2030,
                      "security_code": "123", "cardholder": {"name": name, "identification": {"type": "CPF", "number": "12345678909"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"].as_str().unwrap().len(), 32);
    body["id"].as_str().unwrap().to_string()
}

pub fn card_payment(token: &str, amount: &str) -> Value {
    json!({"transaction_amount": amount.parse::<serde_json::Number>().unwrap(), "token": token, "installments": 1,
           "payment_method_id": "master", "issuer_id": "24", "description": "test", "external_reference": "order-1",
           "payer": {"email": "buyer@example.com", "identification": {"type": "CPF", "number": "12345678909"}}})
}

pub async fn post_payment(sb: &RunningSandbox, body: &Value, key: &str) -> (u16, Value) {
    let res = client()
        .post(format!("{}/v1/payments", sb.base_url))
        .bearer_auth(TOKEN)
        .header("X-Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub fn cause(body: &Value) -> i64 {
    body["cause"][0]["code"].as_i64().unwrap()
}

/// Checks `x-signature` of a delivery against the secret: `Some(ts)` when it is valid.
pub fn valid_signature(req: &wiremock::Request, data_id: &str, secret: &str) -> Option<i64> {
    let header = |n: &str| req.headers.get(n).map(|v| v.to_str().unwrap().to_string());
    let (sig, rid) = (header("x-signature")?, header("x-request-id")?);
    let mut ts = None;
    let mut v1 = None;
    for part in sig.split(',') {
        match part.split_once('=') {
            Some(("ts", t)) => ts = Some(t.to_string()),
            Some(("v1", v)) => v1 = Some(v.to_string()),
            _ => {}
        }
    }
    let (ts, v1) = (ts?, v1?);
    (mercadopago_sandbox::sign(secret, data_id, &rid, &ts) == v1).then(|| ts.parse().unwrap())
}

/// Waits until `f` holds, up to `limit`.
pub async fn eventually<F, Fut>(limit: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// `GET /sandbox/control/{path}`, as JSON.
pub async fn control(sb: &RunningSandbox, path: &str) -> Value {
    client()
        .get(format!("{}/sandbox/control/{path}", sb.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
