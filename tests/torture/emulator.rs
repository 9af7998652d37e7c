//! The Mercado Pago emulator, run on a port of its own, and the calls the harness makes to it:
//! card tokens, the control API (faults, panel actions, state) and its fallbacks for what the
//! emulator does not offer yet.

use std::time::Duration;

use serde_json::{json, Value};

/// Any bearer token starting with `TEST-` is accepted by the emulator.
pub const ACCESS_TOKEN: &str = "TEST-torture-access-token";
pub const PUBLIC_KEY: &str = "TEST-torture-public-key";

/// The only place that knows where the emulator comes from (its own crate).
/// Returns its base URL and a guard to keep alive while it is used.
pub async fn start_emulator(secret: &str) -> (String, Box<dyn std::any::Any + Send>) {
    let config = mercadopago_sandbox::SandboxConfig::for_site("MLB", secret).expect("MLB");
    let running = mercadopago_sandbox::start_standalone(config)
        .await
        .expect("start the emulator");
    (running.base_url.clone(), Box::new(running))
}

/// An HTTP answer, or `status` 0 when none came.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone)]
pub struct Emulator {
    pub base: String,
    http: reqwest::Client,
}

impl Emulator {
    pub fn new(base: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self { base, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        match req.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_default();
                let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                Answer { status, body }
            }
            Err(e) => Answer {
                status: 0,
                body: Value::String(e.to_string()),
            },
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path)).bearer_auth(ACCESS_TOKEN))
            .await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(
            self.http
                .post(self.url(path))
                .bearer_auth(ACCESS_TOKEN)
                .header("X-Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(body),
        )
        .await
    }

    /// Switches fault injection; false when the emulator has no fault modes yet.
    pub async fn set_faults(&self, faults: &Value) -> bool {
        let answer = self
            .send(
                self.http
                    .put(self.url("/sandbox/control/faults"))
                    .json(faults),
            )
            .await;
        answer.ok()
    }

    /// The faults injected so far, or None when the emulator has no fault modes yet.
    pub async fn faults_log(&self) -> Option<Vec<Value>> {
        let answer = self.get("/sandbox/control/faults/log").await;
        match (answer.ok(), answer.body) {
            (true, Value::Array(list)) => Some(list),
            _ => None,
        }
    }

    /// A card token as the Brick makes it; the cardholder name picks the outcome.
    pub async fn card_token(&self, cardholder: &str) -> Answer {
        let body = json!({"card_number": "5031433215406351", "expiration_month": 11, "expiration_year": 2030,
            "security_code": "123", "cardholder": {"name": cardholder,
            "identification": {"type": "CPF", "number": "12345678909"}}});
        self.send(
            self.http
                .post(self.url(&format!("/v1/card_tokens?public_key={PUBLIC_KEY}")))
                .json(&body),
        )
        .await
    }

    /// Every payment, oldest first. Falls back to paging through the search when the control
    /// API has no listing yet.
    pub async fn payments(&self) -> Vec<Value> {
        let answer = self.get("/sandbox/control/payments").await;
        if let (true, Value::Array(list)) = (answer.ok(), &answer.body) {
            return list.clone();
        }
        let mut all = Vec::new();
        loop {
            let page = self
                .get(&format!(
                    "/v1/payments/search?sort=date_created&criteria=asc&limit=1000&offset={}",
                    all.len()
                ))
                .await;
            let results = page.body["results"].as_array().cloned().unwrap_or_default();
            if results.is_empty() {
                break;
            }
            all.extend(results);
        }
        all
    }

    pub async fn payments_of(&self, order_id: &str) -> Vec<Value> {
        let answer = self
            .get(&format!(
                "/v1/payments/search?external_reference={order_id}&sort=date_created&criteria=asc"
            ))
            .await;
        answer.body["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Every API request the emulator received.
    pub async fn requests(&self) -> Vec<Value> {
        match self.get("/sandbox/control/requests").await.body {
            Value::Array(list) => list,
            _ => Vec::new(),
        }
    }

    /// `approve`, `reject`, `expire`, `chargeback`, `dispute` from the panel; `overdue`
    /// (proposed, not in the contract yet: a pending voucher's date_of_expiration moved into the
    /// past, still pending) answers 404 until the emulator has it.
    pub async fn act(&self, payment_id: i64, action: &str) -> Answer {
        self.post(
            &format!("/sandbox/control/payments/{payment_id}/{action}"),
            &json!({}),
        )
        .await
    }

    /// A refund made outside the store (the merchant's panel); falls back to the refunds API
    /// when the control API has no refund action yet.
    pub async fn refund_from_panel(&self, payment_id: i64, amount: Option<&str>) -> Answer {
        let body = match amount {
            Some(a) => json!({"amount": a.parse::<serde_json::Number>().unwrap()}),
            None => json!({}),
        };
        let answer = self
            .post(
                &format!("/sandbox/control/payments/{payment_id}/refund"),
                &body,
            )
            .await;
        if answer.status != 404 || answer.body["error"] != "unknown_action" {
            return answer;
        }
        self.post(&format!("/v1/payments/{payment_id}/refunds"), &body)
            .await
    }

    pub async fn pay_preference(&self, preference_id: &str) -> Answer {
        self.post(
            &format!("/sandbox/control/preferences/{preference_id}/pay"),
            &json!({"approve": true}),
        )
        .await
    }
}
