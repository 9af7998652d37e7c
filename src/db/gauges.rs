//! The counts behind the metrics' gauges of work waiting, in one statement.

use sqlx::PgPool;

/// Bounded well under Prometheus' scrape timeout: a slow database costs the gauges only.
const STATEMENT_TIMEOUT: &str = "set local statement_timeout = '2s'";

pub struct WaitingWork {
    /// Orders whose call to Mercado Pago is under way or unanswered.
    pub awaiting: i64,
    /// Notifications not yet applied.
    pub pending: i64,
    /// Open anomalies per kind, as a JSON object `{kind: count}`.
    pub anomalies: serde_json::Value,
}

pub async fn waiting_work(pool: &PgPool) -> Result<WaitingWork, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(STATEMENT_TIMEOUT).execute(&mut *tx).await?;
    let row = sqlx::query!(
        r#"select
             (select count(*) from orders
              where status in ('processing', 'payment_unknown')) as "awaiting!",
             (select count(*) from notifications where processed_at is null) as "pending!",
             (select coalesce(jsonb_object_agg(kind, n), '{}'::jsonb)
              from (select kind, count(*) as n from anomalies
                    where resolved_at is null group by kind) open) as "anomalies!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(WaitingWork {
        awaiting: row.awaiting,
        pending: row.pending,
        anomalies: row.anomalies,
    })
}
