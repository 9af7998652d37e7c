//! Webhook notifications: kept before they are acknowledged, and re-driven until a re-read
//! of their payment has been applied, so no news is lost to a failed first attempt.

use std::time::Duration;

use sqlx::PgPool;

use super::lending::Lender;
use crate::domain::PaymentId;

/// A verified notification to keep.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub dedupe_key: String,
    pub topic: String,
    pub data_id: String,
    pub request_id: Option<String>,
}

/// Keeps verified notifications in one statement; returns the id of each one kept, by its
/// dedupe key (a replay of one already kept gets none). Each is due for the worker only after
/// `lease`, which leaves the first re-read to the receiving request. The keys must be
/// distinct.
pub async fn insert_many(
    db: &Lender,
    batch: &[NewNotification],
    lease: Duration,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let keys: Vec<&str> = batch.iter().map(|n| n.dedupe_key.as_str()).collect();
    let topics: Vec<&str> = batch.iter().map(|n| n.topic.as_str()).collect();
    let data_ids: Vec<&str> = batch.iter().map(|n| n.data_id.as_str()).collect();
    let request_ids: Vec<Option<&str>> = batch.iter().map(|n| n.request_id.as_deref()).collect();
    let mut conn = db.lend().await?;
    let rows = sqlx::query!(
        r#"insert into notifications (dedupe_key, topic, data_id, request_id, signed, next_try_at)
           select k, t, d, r, true, now() + make_interval(secs => $5)
           from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(k, t, d, r)
           on conflict (dedupe_key) do nothing returning id, dedupe_key"#,
        &keys as &[&str],
        &topics as &[&str],
        &data_ids as &[&str],
        &request_ids as &[Option<&str>],
        lease.as_secs_f64()
    )
    .fetch_all(&mut *conn)
    .await?;
    conn.give_back();
    Ok(rows.into_iter().map(|r| (r.dedupe_key, r.id)).collect())
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

/// Marks each of `ids` processed with its own outcome (`outcomes[i]` for `ids[i]`), in one
/// statement, unless the worker already has; returns those it marked. The rows are found
/// through the primary key (`id = any`), whatever plan the join with the arrays gets.
///
/// Its commit does not wait for the disk (`synchronous_commit` off for this transaction
/// only): a mark lost to a crash only has the payment re-read, as any mark never written
/// does (`reconcile::marks`). The write it follows is already durable, and anything
/// committed after it flushes it too. One flush fewer per payment is one fewer for the
/// shoppers' own commits to queue behind.
pub async fn mark_each_processed(
    db: &Lender,
    ids: &[i64],
    outcomes: &[String],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut conn = db.lend().await?;
    let marked = sqlx::query_scalar!(
        r#"with lazy as (select set_config('synchronous_commit', 'off', true))
           update notifications n set processed_at = now(), outcome = m.outcome, last_error = null
           from unnest($1::bigint[], $2::text[]) as m(id, outcome), lazy
           where n.id = any($1) and n.id = m.id and n.processed_at is null
           returning n.id"#,
        ids,
        outcomes
    )
    .fetch_all(&mut *conn)
    .await?;
    conn.give_back();
    Ok(marked)
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
