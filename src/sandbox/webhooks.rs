//! Signed notifications to a payment's `notification_url`, exactly as FACTS §6.1: the URL
//! gets `?data.id=<id>&type=payment`, the body is byte-identical across retries, and only a
//! 200 or 201 counts as acknowledged. Mercado Pago's real sandbox sends none for test
//! payments; this one does, when `deliver_webhooks` is on.

use std::time::Duration;

use serde_json::{json, Value};

use crate::routes::webhooks::signature::{manifest, sign as hmac_hex};

use super::store::Delivery;
use super::Sandbox;

/// `v1` of `x-signature` for a notification.
pub fn sign(secret: &str, data_id: &str, request_id: &str, ts: &str) -> String {
    hmac_hex(
        secret.as_bytes(),
        &manifest(Some(data_id), Some(request_id), ts),
    )
}

/// Retries after 1, 2, 4 and 8 seconds: Mercado Pago's schedule, compressed.
const TRIES: u32 = 5;

pub fn notify(sandbox: &Sandbox, payment: &Value, action: &str) {
    let config = &sandbox.inner.config;
    let Some(url) = payment["notification_url"]
        .as_str()
        .filter(|u| !u.is_empty())
    else {
        return;
    };
    if !config.deliver_webhooks {
        return;
    }
    let id = payment["id"].as_i64().unwrap_or_default();
    let joiner = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{joiner}data.id={id}&type=payment");
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "id": 10_000_000_000_i64 + id % 1_000_000_000,
        "live_mode": false,
        "type": "payment",
        "date_created": super::payments::now_text(),
        "user_id": super::payments::COLLECTOR_ID,
        "api_version": "v1",
        "action": action,
        "data": {"id": id.to_string()},
    })
    .to_string();
    let index = {
        let mut store = sandbox.inner.store.lock().unwrap();
        store.deliveries.push(Delivery {
            payment_id: id,
            url: target.clone(),
            request_id: request_id.clone(),
            tries: 0,
            last_status: None,
            acknowledged: false,
        });
        store.deliveries.len() - 1
    };
    let sandbox = sandbox.clone();
    tokio::spawn(async move {
        let secret = sandbox.inner.config.webhook_secret.clone();
        let mut wait = Duration::from_secs(1);
        for attempt in 0..TRIES {
            let ts =
                (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).to_string();
            let v1 = sign(&secret, &id.to_string(), &request_id, &ts);
            let result = sandbox
                .inner
                .http
                .post(&target)
                .header("content-type", "application/json")
                .header("x-request-id", &request_id)
                .header("x-signature", format!("ts={ts},v1={v1}"))
                .header("x-retry", attempt.to_string())
                .body(body.clone())
                .send()
                .await;
            let status = result.as_ref().ok().map(|r| r.status().as_u16());
            let acknowledged = matches!(status, Some(200 | 201));
            {
                let mut store = sandbox.inner.store.lock().unwrap();
                if let Some(d) = store.deliveries.get_mut(index) {
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
    #[test]
    fn signs_the_documented_manifest() {
        let v1 = super::sign(
            "secret",
            "123456",
            "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
            "1742505638683",
        );
        let expected = crate::routes::webhooks::signature::sign(
            b"secret",
            "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;",
        );
        assert_eq!(v1, expected);
        assert_eq!(v1.len(), 64);
    }
}
