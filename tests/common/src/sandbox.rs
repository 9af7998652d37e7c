//! The emulator a store in sandbox mode mounts at `/sandbox/mp`: its card tokens and its
//! control API (the requests it received, its payments, faults, deliveries).

use serde_json::{json, Value};

use crate::{card_submission, send_json, TestApp};

impl TestApp {
    /// A card token made at the app's own emulator, as the stand-in Brick makes it.
    pub async fn sandbox_token(&self, cardholder: &str) -> String {
        let res = self
            .client
            .post(self.url("/sandbox/mp/v1/card_tokens?public_key=TEST-sandbox-public-key"))
            .json(&json!({"card_number": "5031433215406351", "expiration_month": 11, "expiration_year": 2030,
                          "security_code": "123", "cardholder": {"name": cardholder, "identification": {"type": "CPF", "number": "12345678909"}}}))
;
        let res = send_json(res).await;
        res["id"].as_str().expect("a card token").to_string()
    }

    /// The payment creations the app's emulator received.
    pub async fn sandbox_payment_posts(&self) -> Vec<Value> {
        self.sandbox_requests()
            .await
            .into_iter()
            .filter(|r| {
                r["method"] == "POST" && r["path"].as_str().unwrap_or("").ends_with("/v1/payments")
            })
            .collect()
    }

    /// The body of the last payment creation the app's emulator received.
    pub async fn sandbox_last_payment_body(&self) -> Value {
        self.sandbox_payment_posts()
            .await
            .pop()
            .expect("Mercado Pago got a payment")["body"]
            .clone()
    }

    /// Every request the app's emulator received, as its control API lists them.
    pub async fn sandbox_requests(&self) -> Vec<Value> {
        let res = self.sandbox_control("GET", "requests", None).await;
        assert_eq!(res.status(), 200, "the emulator's request log");
        res.json().await.unwrap()
    }

    /// Whether the app's emulator received a request with this method and path ending.
    pub async fn sandbox_was_asked(&self, verb: &str, path_end: &str) -> bool {
        self.sandbox_requests()
            .await
            .iter()
            .any(|r| r["method"] == verb && r["path"].as_str().unwrap_or("").ends_with(path_end))
    }

    /// A call to the app's emulator's control API (`/sandbox/mp/sandbox/control/{what}`).
    pub async fn sandbox_control(
        &self,
        verb: &str,
        what: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let verb = reqwest::Method::from_bytes(verb.as_bytes()).unwrap();
        let mut req = self.client.request(
            verb,
            self.url(&format!("/sandbox/mp/sandbox/control/{what}")),
        );
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    /// Acts on one of the emulator's payments as its control API allows (`approve`, `age`,
    /// `pass_challenge`, ...); the emulator must accept.
    pub async fn sandbox_payment_action(&self, payment_id: i64, action: &str) {
        let res = self
            .sandbox_control("POST", &format!("payments/{payment_id}/{action}"), None)
            .await;
        assert_eq!(res.status(), 200, "{action} payment {payment_id}");
    }

    /// A card payment as the Brick posts it, with a token the app's emulator made.
    pub async fn sandbox_card(&self, amount: &str, cardholder: &str) -> Value {
        with_token(amount, &self.sandbox_token(cardholder).await)
    }
}

/// What the Brick posts for a card, with this card token.
pub fn with_token(amount: &str, token: &str) -> Value {
    let mut card = card_submission(amount);
    card["formData"]["token"] = token.into();
    card
}
