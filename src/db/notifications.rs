//! Webhook notifications: kept before they are acknowledged, and re-driven until a re-read
//! of their payment has been applied, so no news is lost to a failed first attempt.

use std::time::Duration;

use sqlx::PgPool;

use crate::domain::PaymentId;

/// Keeps a verified notification; `None` when it is a replay of one already kept. It is due
/// for the worker only after `lease`, which leaves the first re-read to the receiving request.
pub async fn insert(
    pool: &PgPool,
    dedupe_key: &str,
    topic: &str,
    data_id: &str,
    request_id: Option<&str>,
    lease: Duration,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"insert into notifications (dedupe_key, topic, data_id, request_id, signed, next_try_at)
           values ($1, $2, $3, $4, true, now() + make_interval(secs => $5))
           on conflict (dedupe_key) do nothing returning id"#,
        dedupe_key,
        topic,
        data_id,
        request_id,
        lease.as_secs_f64()
    )
    .fetch_optional(pool)
    .await
}

pub async fn mark_processed(pool: &PgPool, ids: &[i64], outcome: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update notifications set processed_at = now(), outcome = $2, last_error = null where id = any($1)",
        ids,
        outcome
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The re-read failed: try again after `retry_in` (the worker backs off from there).
pub async fn mark_failed(
    pool: &PgPool,
    ids: &[i64],
    error: &str,
    retry_in: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update notifications set tries = tries + 1, last_error = $2,
             next_try_at = now() + make_interval(secs => $3)
           where id = any($1) and processed_at is null"#,
        ids,
        error.chars().take(300).collect::<String>(),
        retry_in.as_secs_f64()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// A notification due for another re-read.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub payment_id: Option<PaymentId>,
    pub received_at: time::OffsetDateTime,
}

/// Takes up to `limit` due notifications for this instance and pushes each one's next try out
/// (`base` doubled per try, at most an hour) before commit, so other instances skip them and a
/// crash mid-way only delays them.
pub async fn claim_due(pool: &PgPool, limit: i64, base: Duration) -> Result<Vec<Due>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"with due as (
             select id from notifications
             where processed_at is null and next_try_at <= now()
             order by next_try_at limit $1 for update skip locked)
           update notifications n set tries = n.tries + 1,
             next_try_at = now() + least(interval '1 hour',
                 make_interval(secs => $2 * power(2, least(n.tries, 12))))
           from due where n.id = due.id
           returning n.id, n.data_id, n.received_at"#,
        limit,
        base.as_secs_f64()
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            id: r.id,
            payment_id: r.data_id.parse().ok(),
            received_at: r.received_at,
        })
        .collect())
}

/// Why the last re-read of these notifications failed, for the back office and the logs.
pub async fn set_last_error(pool: &PgPool, ids: &[i64], error: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update notifications set last_error = $2 where id = any($1)",
        ids,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}
