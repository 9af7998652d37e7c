//! The one way tests wait: `eventually` a condition holds, and the conditions that mark
//! the store's background work as done (an order's status, a notification tried or
//! processed, the emulator's webhooks acknowledged).

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use crate::TestApp;

/// Waits until `check` holds, looking every 100 ms; panics naming `what` after `within`.
pub async fn eventually<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    assert!(
        holds_within(within, &mut check).await,
        "{what}: still not true after {within:?}"
    );
}

impl TestApp {
    /// Waits until the order has this status (5 s: a webhook's or a pass's work).
    pub async fn wait_for_status(&self, order_id: &str, want: &str) {
        eventually(
            &format!("order {order_id} becomes {want}"),
            Duration::from_secs(5),
            || async { self.order_status(order_id).await == want },
        )
        .await;
    }

    /// Waits until `sql` (a `count(*)`) gives `want` (10 s).
    pub async fn wait_for_count(&self, sql: &str, want: i64) {
        eventually(
            &format!("{sql} gives {want}"),
            Duration::from_secs(10),
            || async { self.count(sql).await == want },
        )
        .await;
    }

    /// Waits until every notification received so far has been worked on (its
    /// `processed_at` is set): the event after which a notification can change nothing more.
    pub async fn notifications_processed(&self) {
        self.wait_for_count(
            "select count(*) from notifications where processed_at is null",
            0,
        )
        .await;
    }

    /// Waits until every notification received so far has been tried once: processed, or
    /// failed with its error kept for the next try.
    pub async fn notifications_tried(&self) {
        self.wait_for_count(
            "select count(*) from notifications
             where processed_at is null and tries = 0 and last_error is null",
            0,
        )
        .await;
    }

    /// Waits until the app's emulator has had every webhook it sent acknowledged, then until
    /// the store has worked on every notification: after that, no news is on its way.
    pub async fn sandbox_webhooks_done(&self) {
        eventually(
            "the store acknowledged every webhook the emulator sent",
            Duration::from_secs(10),
            || async {
                let res = self.sandbox_control("GET", "deliveries", None).await;
                let deliveries: Vec<Value> = res.json().await.unwrap();
                deliveries.iter().all(|d| d["acknowledged"] == true)
            },
        )
        .await;
        self.notifications_processed().await;
    }
}

/// Like `eventually`, but says whether it came true instead of panicking.
pub async fn holds_within<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
