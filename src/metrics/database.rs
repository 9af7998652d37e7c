//! The gauges of work waiting in the database, read at scrape time in one statement, so every
//! instance reports the same numbers (take `max`, not `sum`, across instances).

use std::time::Duration;

use sqlx::PgPool;

use super::text::Exposition;

/// Well under Prometheus' default scrape timeout (10 s), so a slow database costs the gauges,
/// not the scrape (the statement itself is bounded at 2 s, `db::gauges`).
const WHOLE_READ: Duration = Duration::from_secs(3);

/// The anomaly kinds the schema allows: each is shown, at 0 when none is open, so an alert on
/// it has a series from the start.
const ANOMALY_KINDS: [&str; 4] = [
    "amount_mismatch",
    "unknown_reference",
    "duplicate_payment",
    "oversold",
];

pub struct Gauges {
    awaiting_reconciliation: i64,
    notifications_pending: i64,
    anomalies_open: Vec<(String, i64)>,
}

/// `None` when the database did not answer in time or failed; the scrape goes on without.
pub async fn read(pool: &PgPool) -> Option<Gauges> {
    match tokio::time::timeout(WHOLE_READ, query(pool)).await {
        Ok(Ok(gauges)) => Some(gauges),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: could not read the database gauges");
            None
        }
        Err(_) => {
            tracing::warn!("metrics: the database gauges took too long");
            None
        }
    }
}

async fn query(pool: &PgPool) -> Result<Gauges, sqlx::Error> {
    let row = crate::db::gauges::waiting_work(pool).await?;
    let mut anomalies_open: Vec<(String, i64)> = ANOMALY_KINDS
        .iter()
        .map(|k| (k.to_string(), row.anomalies[k].as_i64().unwrap_or(0)))
        .collect();
    if let serde_json::Value::Object(found) = &row.anomalies {
        for (kind, n) in found {
            if !ANOMALY_KINDS.contains(&kind.as_str()) {
                anomalies_open.push((kind.clone(), n.as_i64().unwrap_or(0)));
            }
        }
    }
    Ok(Gauges {
        awaiting_reconciliation: row.awaiting,
        notifications_pending: row.pending,
        anomalies_open,
    })
}

pub fn render(e: &mut Exposition, gauges: Option<&Gauges>) {
    e.describe(
        "checkout_metrics_database_up",
        "gauge",
        "1 when this scrape could read the gauges below from the database.",
    );
    e.sample(
        "checkout_metrics_database_up",
        &[],
        u8::from(gauges.is_some()),
    );
    let Some(g) = gauges else {
        return;
    };
    e.describe(
        "checkout_orders_awaiting_reconciliation",
        "gauge",
        "Orders whose payment call is in flight or whose outcome is unknown.",
    );
    e.sample(
        "checkout_orders_awaiting_reconciliation",
        &[],
        g.awaiting_reconciliation,
    );
    e.describe(
        "checkout_notifications_pending",
        "gauge",
        "Webhook notifications kept but not yet applied.",
    );
    e.sample(
        "checkout_notifications_pending",
        &[],
        g.notifications_pending,
    );
    e.describe(
        "checkout_anomalies_open",
        "gauge",
        "Anomalies the merchant has not resolved, by kind.",
    );
    for (kind, n) in &g.anomalies_open {
        e.sample("checkout_anomalies_open", &[("kind", kind)], n);
    }
}
