//! The fault profiles the harness asks the emulator for (the contract's JSON).

use serde_json::{json, Value};

/// Every fault mode on at a moderate rate, for the shopping phase. `TORTURE_FAULTS=off` runs
/// with no faults (only the panel-configured webhook URL); `TORTURE_FAULTS='{"lost_answer": 0.3}'`
/// changes the named fields of the default profile.
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
    if let Ok(Value::Object(changes)) = serde_json::from_str::<Value>(&setting) {
        for (field, value) in changes {
            faults[field] = value;
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
