//! Fault injection: what the real Mercado Pago does to a client on a bad day (FACTS §11),
//! drawn from a seeded generator so that a run can be repeated.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// Which faults are on and how often. Probabilities are in `[0, 1]`; every field is optional
/// in JSON and a missing one is off. The HTTP form is `PUT /sandbox/control/faults`; the same
/// JSON is read from the `SANDBOX_FAULTS` environment variable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub seed: u64,
    /// `POST /v1/payments`: the payment is created and kept for an idempotent replay, the
    /// answer is held `lost_answer_hold_ms` and then a 504 comes back.
    pub lost_answer: f64,
    pub lost_answer_hold_ms: u64,
    /// `POST /v1/payments`: the payment is created, the answer is a 500, 502 or 503.
    pub error_after_create: f64,
    /// `POST /v1/payments`: a 500, 502 or 503 after `processing_ms`, and nothing is created.
    pub error_before_create: f64,
    /// `POST /v1/payments`: the edge answers 502 or 504 at once while the request goes on
    /// behind it; the payment is made `processing_behind_ms` later, and until then its key is
    /// in flight (a same-key request meets `in_flight_conflict`).
    pub error_while_processing: f64,
    pub processing_behind_ms: [u64; 2],
    /// `POST /v1/payments` takes uniform `[min, max]` ms before creating the payment.
    pub processing_ms: [u64; 2],
    /// A request whose idempotency key is still being processed gets a 409 or 423 with this
    /// probability; otherwise it waits for the first and replays its answer.
    pub in_flight_conflict: f64,
    /// Any API path: 429 with `Retry-After: retry_after_secs`, nothing done.
    pub rate_limit: f64,
    pub retry_after_secs: u64,
    /// A payment shows in `/v1/payments/search` only some time after its creation: between
    /// half of this and all of it, drawn per payment (from the seed and its id), so a newer
    /// payment may show after an older one.
    pub search_lag_ms: u64,
    /// Each webhook delivery waits uniform `[min, max]` ms, so deliveries reorder.
    pub webhook_delay_ms: [u64; 2],
    /// A notification is delivered twice, with distinct `x-request-id`s.
    pub webhook_duplicate: f64,
    /// A notification is never delivered.
    pub webhook_drop: f64,
    /// One more delivery of a notification, later, whose `ts` is hours old (signed over it).
    pub webhook_stale_replay: f64,
    /// The URL configured in Mercado Pago's panel: used for payments without `notification_url`.
    pub webhook_url: Option<String>,
}

/// The environment variable read by [`Faults::from_env`].
pub const ENV_VAR: &str = "SANDBOX_FAULTS";

impl Faults {
    /// Parses the JSON form; probabilities outside `[0, 1]` and inverted ranges are refused.
    pub fn parse(json: &str) -> Result<Self, String> {
        let faults: Faults = serde_json::from_str(json).map_err(|e| e.to_string())?;
        faults.check()?;
        Ok(faults)
    }

    /// `SANDBOX_FAULTS`, if set and not blank.
    pub fn from_env() -> Result<Option<Self>, String> {
        match std::env::var(ENV_VAR) {
            Ok(text) if !text.trim().is_empty() => Self::parse(&text)
                .map(Some)
                .map_err(|e| format!("{ENV_VAR}: {e}")),
            _ => Ok(None),
        }
    }

    pub fn check(&self) -> Result<(), String> {
        for (name, p) in [
            ("lost_answer", self.lost_answer),
            ("error_after_create", self.error_after_create),
            ("error_before_create", self.error_before_create),
            ("error_while_processing", self.error_while_processing),
            ("in_flight_conflict", self.in_flight_conflict),
            ("rate_limit", self.rate_limit),
            ("webhook_duplicate", self.webhook_duplicate),
            ("webhook_drop", self.webhook_drop),
            ("webhook_stale_replay", self.webhook_stale_replay),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be a probability between 0 and 1"));
            }
        }
        for (name, [lo, hi]) in [
            ("processing_ms", self.processing_ms),
            ("processing_behind_ms", self.processing_behind_ms),
            ("webhook_delay_ms", self.webhook_delay_ms),
        ] {
            if lo > hi {
                return Err(format!("{name} must be [min, max]"));
            }
        }
        Ok(())
    }
}

/// One fault the emulator applied, for `GET /sandbox/control/faults/log`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FaultEvent {
    pub seq: u64,
    /// `lost_answer`, `error_after_create`, `error_before_create`, `error_while_processing`,
    /// `in_flight_conflict`,
    /// `rate_limit`, `webhook_delay`, `webhook_duplicate`, `webhook_drop`, `webhook_stale_replay`.
    pub kind: String,
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub payment_id: Option<i64>,
    pub external_reference: Option<String>,
    /// The status answered (5xx, 409, 423, 429) or the delay applied, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

/// The faults in force, their generator and what they did.
pub struct FaultState {
    pub faults: Faults,
    pub rng: SplitMix64,
    pub log: Vec<FaultEvent>,
}

/// How many fault events the log keeps.
const MAX_LOG: usize = 10_000;

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        Self {
            rng: SplitMix64::new(faults.seed),
            faults,
            log: Vec::new(),
        }
    }

    /// Replaces the faults and restarts the generator from their seed.
    pub fn set(&mut self, faults: Faults) {
        *self = Self {
            log: std::mem::take(&mut self.log),
            ..Self::new(faults)
        };
    }

    pub fn record(&mut self, mut event: FaultEvent) {
        if self.log.len() >= MAX_LOG {
            self.log.drain(..MAX_LOG / 2);
        }
        event.seq = self.log.last().map_or(1, |e| e.seq + 1);
        self.log.push(event);
    }

    pub fn hold(&self) -> Duration {
        Duration::from_millis(self.faults.lost_answer_hold_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::Faults;

    #[test]
    fn the_contracts_example_parses_and_missing_fields_are_off() {
        let f = Faults::parse(
            r#"{"seed": 7, "lost_answer": 0.05, "lost_answer_hold_ms": 3000,
                "error_after_create": 0.05, "error_before_create": 0.05, "processing_ms": [0, 300],
                "in_flight_conflict": 1.0, "rate_limit": 0.05, "retry_after_secs": 1,
                "search_lag_ms": 5000, "webhook_delay_ms": [0, 3000], "webhook_duplicate": 0.2,
                "webhook_drop": 0.1, "webhook_stale_replay": 0.1,
                "webhook_url": "http://127.0.0.1:1234/webhooks/mercadopago?source_news=webhooks"}"#,
        )
        .unwrap();
        assert_eq!(f.seed, 7);
        assert_eq!(f.processing_ms, [0, 300]);
        assert_eq!(Faults::parse("{}").unwrap(), Faults::default());
        assert!(Faults::parse(r#"{"lost_answer": 2}"#).is_err());
        assert!(Faults::parse(r#"{"processing_ms": [5, 1]}"#).is_err());
        assert!(Faults::parse(r#"{"typo": 1}"#).is_err());
    }
}
