//! The fault profiles the harness asks the emulator for (the contract's JSON).

use serde_json::{json, Value};

/// The fault profile of a seed: every seed's profile has every fault mode on; seeds rotate
/// over three mixes (`seed % 3`) so that the run also aims at the worst stories:
/// - 0, "storm": every mode at a moderate rate;
/// - 1, "edge": the edge answers 502/504 while the request goes on behind it and a same-key
///   retry meets 409/423 (an attempt that looks refused but charges);
/// - 2, "lag": lost answers, a search index up to 10 s behind, webhooks 5-15 s late or dropped
///   (an unknown attempt whose payment search cannot see yet, next to a declined one it can).
///
/// `TORTURE_FAULTS=off` runs with no faults (only the panel-configured webhook URL);
/// `TORTURE_FAULTS='{"lost_answer": 0.3}'` changes the named fields of the seed's profile.
pub fn storm(seed: u64, webhook_url: &str) -> Value {
    let setting = std::env::var("TORTURE_FAULTS").unwrap_or_default();
    if setting == "off" {
        return json!({"seed": seed, "webhook_url": webhook_url});
    }
    let mut faults = json!({
        "seed": seed,
        "lost_answer": 0.05,
        "lost_answer_hold_ms": 3000,
        "error_after_create": 0.05,
        "error_before_create": 0.05,
        "error_while_processing": 0.05,
        "processing_behind_ms": [1500, 4000],
        "processing_ms": [0, 300],
        "in_flight_conflict": 0.5,
        "rate_limit": 0.03,
        "retry_after_secs": 1,
        "search_lag_ms": 6000,
        "webhook_delay_ms": [0, 2000],
        "webhook_duplicate": 0.2,
        "webhook_drop": 0.1,
        "webhook_stale_replay": 0.1,
        "webhook_url": webhook_url,
    });
    let aimed = match seed % 3 {
        1 => json!({"error_while_processing": 0.3, "in_flight_conflict": 1.0, "lost_answer": 0.2,
                    "search_lag_ms": 10000, "rate_limit": 0.01}),
        2 => json!({"lost_answer": 0.4, "search_lag_ms": 10000, "webhook_delay_ms": [5000, 15000],
                    "webhook_drop": 0.3, "rate_limit": 0.01}),
        _ => json!({}),
    };
    let overrides = serde_json::from_str::<Value>(&setting).unwrap_or(Value::Null);
    for changes in [aimed, overrides] {
        if let Value::Object(changes) = changes {
            for (field, value) in changes {
                faults[field] = value;
            }
        }
    }
    faults
}

/// For settling: no more errors, rate limits or dropped webhooks, so late news can arrive;
/// delays, duplicates and search lag stay, as they would in life.
pub fn calm(seed: u64, webhook_url: &str) -> Value {
    let mut faults = storm(seed, webhook_url);
    for off in [
        "lost_answer",
        "error_after_create",
        "error_before_create",
        "error_while_processing",
        "rate_limit",
        "webhook_drop",
    ] {
        faults[off] = json!(0);
    }
    faults
}
