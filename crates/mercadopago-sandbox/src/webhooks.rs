//! Signed notifications, as FACTS §6.1: POST to the payment's `notification_url` (or the
//! panel's URL: the `webhook_url` fault setting, else `SandboxConfig::webhook_url`) with `?data.id=<id>&type=payment`, a body that is
//! byte-identical across retries, and `x-signature: ts=<ts>,v1=<hex>`. Only a 200 or 201
//! counts as acknowledged. Mercado Pago's real sandbox sends none for test payments; this one
//! does, when `deliver_webhooks` is on, and misbehaves as the webhook faults say: late
//! (reordered), doubled, dropped, or replayed hours later with an old, validly signed `ts`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::faults::FaultEvent;
use crate::store::Delivery;
use crate::Sandbox;

/// Mercado Pago's signed manifest: `id:{data.id};request-id:{x-request-id};ts:{ts};`, parts
/// absent from the notification left out. `data.id` is taken as it appears in the query string.
pub fn manifest(data_id: &str, request_id: &str, ts: &str) -> String {
    let mut m = String::new();
    if !data_id.is_empty() {
        m.push_str(&format!("id:{data_id};"));
    }
    if !request_id.is_empty() {
        m.push_str(&format!("request-id:{request_id};"));
    }
    m.push_str(&format!("ts:{ts};"));
    m
}

/// `v1` of `x-signature`: hex HMAC-SHA256 of the manifest under the webhook secret.
pub fn sign(secret: &str, data_id: &str, request_id: &str, ts: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(manifest(data_id, request_id, ts).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Retries after 1, 2, 4 and 8 seconds: Mercado Pago's schedule, compressed.
const TRIES: u32 = 5;

/// How old the `ts` of a stale replay is: a retry of a notification from hours ago.
const STALE_AGE: Duration = Duration::from_secs(3 * 3600);

/// One delivery to make: what to send, when, and with which `ts`.
struct Send {
    target: String,
    body: String,
    request_id: String,
    data_id: String,
    delay: Duration,
    /// A fixed `ts` (milliseconds) for a stale replay; `None` signs each try with the time sent.
    fixed_ts: Option<String>,
}

pub fn notify(sandbox: &Sandbox, payment: &Value, action: &str) {
    let config = &sandbox.inner.config;
    if !config.deliver_webhooks {
        return;
    }
    let panel_url = sandbox
        .inner
        .faults
        .lock()
        .unwrap()
        .faults
        .webhook_url
        .clone()
        .or_else(|| config.webhook_url.clone());
    let Some(url) = payment["notification_url"]
        .as_str()
        .filter(|u| !u.is_empty())
        .map(String::from)
        .or(panel_url.filter(|u| !u.is_empty()))
    else {
        return;
    };
    let id = payment["id"].as_i64().unwrap_or_default();
    let joiner = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{joiner}data.id={id}&type=payment");
    let body = |date_created: String| {
        json!({
            "id": 10_000_000_000_i64 + id % 1_000_000_000,
            "live_mode": false,
            "type": "payment",
            "date_created": date_created,
            "user_id": crate::payments::COLLECTOR_ID,
            "api_version": "v1",
            "action": action,
            "data": {"id": id.to_string()},
        })
        .to_string()
    };
    let event = |kind: &str, delay_ms: Option<u64>| FaultEvent {
        kind: kind.into(),
        method: "POST".into(),
        path: target.clone(),
        payment_id: Some(id),
        external_reference: payment["external_reference"].as_str().map(String::from),
        delay_ms,
        ..Default::default()
    };
    // Every decision for this notification, in a fixed order, from the seeded generator.
    let mut sends = vec![];
    {
        let mut f = sandbox.inner.faults.lock().unwrap();
        let p = f.faults.webhook_drop;
        if f.rng.chance(p) {
            f.record(event("webhook_drop", None));
            return;
        }
        let p = f.faults.webhook_duplicate;
        let copies = if f.rng.chance(p) { 2 } else { 1 };
        let p = f.faults.webhook_stale_replay;
        let stale = f.rng.chance(p);
        let range = f.faults.webhook_delay_ms;
        for copy in 0..copies {
            let delay = f.rng.between(range);
            if delay > 0 {
                f.record(event("webhook_delay", Some(delay)));
            }
            if copy == 1 {
                f.record(event("webhook_duplicate", Some(delay)));
            }
            sends.push(Send {
                target: target.clone(),
                body: body(crate::clock::now()),
                request_id: uuid::Uuid::new_v4().to_string(),
                data_id: id.to_string(),
                delay: Duration::from_millis(delay),
                fixed_ts: None,
            });
        }
        if stale {
            // After the normal deliveries: the same news again, as sent hours ago.
            let delay = range[1] + f.rng.between(range) + 50;
            let then = time::OffsetDateTime::now_utc() - STALE_AGE;
            f.record(event("webhook_stale_replay", Some(delay)));
            sends.push(Send {
                target: target.clone(),
                body: body(crate::clock::iso(then)),
                request_id: uuid::Uuid::new_v4().to_string(),
                data_id: id.to_string(),
                delay: Duration::from_millis(delay),
                fixed_ts: Some((then.unix_timestamp_nanos() / 1_000_000).to_string()),
            });
        }
    }
    for send in sends {
        deliver(sandbox.clone(), id, send);
    }
}

fn deliver(sandbox: Sandbox, payment_id: i64, send: Send) {
    let index = {
        let mut store = sandbox.inner.store.lock().unwrap();
        store.deliveries.push(Delivery {
            payment_id,
            url: send.target.clone(),
            request_id: send.request_id.clone(),
            tries: 0,
            last_status: None,
            acknowledged: false,
        });
        store.deliveries.len() - 1
    };
    tokio::spawn(async move {
        if !send.delay.is_zero() {
            tokio::time::sleep(send.delay).await;
        }
        let secret = sandbox.inner.config.webhook_secret.clone();
        let mut wait = Duration::from_secs(1);
        for attempt in 0..TRIES {
            let ts = send.fixed_ts.clone().unwrap_or_else(|| {
                (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).to_string()
            });
            let v1 = sign(&secret, &send.data_id, &send.request_id, &ts);
            let result = sandbox
                .inner
                .http
                .post(&send.target)
                .header("content-type", "application/json")
                .header("x-request-id", &send.request_id)
                .header("x-signature", format!("ts={ts},v1={v1}"))
                .header("x-retry", attempt.to_string())
                .body(send.body.clone())
                .send()
                .await;
            let status = result.as_ref().ok().map(|r| r.status().as_u16());
            let acknowledged = matches!(status, Some(200 | 201));
            {
                let mut store = sandbox.inner.store.lock().unwrap();
                // A reset may have emptied the list meanwhile; then there is nothing to update.
                if let Some(d) = store
                    .deliveries
                    .get_mut(index)
                    .filter(|d| d.request_id == send.request_id)
                {
                    d.tries = attempt + 1;
                    d.last_status = status;
                    d.acknowledged = acknowledged;
                }
            }
            if acknowledged {
                return;
            }
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    });
}

#[cfg(test)]
mod tests {
    /// The example of Mercado Pago's webhook documentation (FACTS §6.1); the expected hex was
    /// computed independently (Python's `hmac` module) with the secret `secret`.
    #[test]
    fn signs_the_documented_manifest() {
        assert_eq!(
            super::manifest(
                "123456",
                "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
                "1742505638683"
            ),
            "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;"
        );
        let v1 = super::sign(
            "secret",
            "123456",
            "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
            "1742505638683",
        );
        assert_eq!(
            v1,
            "3777ef58b83642364809fce92623160ddf812c70f33dfd45167137ee4963ce50"
        );
    }

    #[test]
    fn parts_missing_from_the_notification_are_left_out() {
        assert_eq!(super::manifest("", "", "1"), "ts:1;");
        assert_eq!(super::manifest("42", "", "1"), "id:42;ts:1;");
    }
}
