use std::collections::HashMap;

use serde_json::Value;

/// How many requests `Sandbox::requests` remembers.
pub const MAX_REQUESTS: usize = 2_000;

/// A request as the emulator received it, for tests to assert what Mercado Pago saw.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub idempotency_key: Option<String>,
    pub has_bearer: bool,
    /// `X-meli-session-id`: the device id MercadoPago.js made in the shopper's browser.
    pub device_id: Option<String>,
    pub body: Value,
}

#[derive(Debug, Clone)]
pub struct CardToken {
    pub cardholder: String,
    pub first_six: String,
    pub last_four: String,
    pub expiration_month: Value,
    pub expiration_year: Value,
    pub identification: Value,
    pub used: bool,
}

/// A stored answer for an idempotency key: the request it answered and what was answered.
#[derive(Debug, Clone)]
pub struct Replay {
    pub request: Value,
    pub status: u16,
    pub body: Value,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub payment_id: i64,
    pub url: String,
    pub request_id: String,
    pub tries: u32,
    pub last_status: Option<u16>,
    pub acknowledged: bool,
}

#[derive(Default)]
pub struct Store {
    pub next_id: i64,
    pub payments: HashMap<i64, Value>,
    pub tokens: HashMap<String, CardToken>,
    pub idempotency: HashMap<String, Replay>,
    pub preferences: HashMap<String, Value>,
    pub requests: Vec<RecordedRequest>,
    pub deliveries: Vec<Delivery>,
    pub next_refund_id: i64,
    /// When each payment was made, for the search index's lag.
    pub created: HashMap<i64, std::time::Instant>,
    /// How long each `POST /v1/payments` took here, by idempotency key: a benchmark subtracts
    /// it from the store's own answer time to find what the store adds.
    pub answer_times: Vec<(String, u64)>,
}

impl Store {
    /// Used tokens and delivered webhooks are only history; past a bound, the oldest go.
    pub fn trim(&mut self) {
        if self.tokens.len() > 10_000 {
            self.tokens.retain(|_, t| !t.used);
        }
        if self.deliveries.len() > 2_000 {
            self.deliveries.drain(..1_000);
        }
        if self.answer_times.len() > 100_000 {
            self.answer_times.drain(..50_000);
        }
    }

    pub fn new_payment_id(&mut self) -> i64 {
        // Eleven digits, like Mercado Pago's.
        self.next_id += 1;
        10_000_000_000 + self.next_id
    }

    /// Stores a new payment and notes when, so search can lag behind it.
    pub fn insert_new(&mut self, id: i64, payment: Value) {
        self.created.insert(id, std::time::Instant::now());
        self.payments.insert(id, payment);
    }

    pub fn new_refund_id(&mut self) -> i64 {
        self.next_refund_id += 1;
        2_000_000_000 + self.next_refund_id
    }
}
