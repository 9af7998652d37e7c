//! What the reconciliation worker reads and moves: due orders (claimed across instances with
//! `for update skip locked`), the attempt still in flight, the payment an order follows, and
//! the sweep's bookmark.

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::{OrderId, OrderStatus, PaymentId};

/// After this many checks an order is left to the merchant.
pub const MAX_CHECKS: i32 = 30;

/// Takes up to `limit` due orders for this instance: locked rows of other instances are
/// skipped, and each taken order's next check moves out, with a backoff, before commit.
/// An order `processing` for less than `stale_after` has a live call: it is not due.
pub async fn claim_due(
    pool: &PgPool,
    limit: i64,
    stale_after: Duration,
) -> Result<Vec<(OrderId, OrderStatus)>, sqlx::Error> {
    let max_checks = MAX_CHECKS;
    let mut tx = pool.begin().await?;
    let rows = sqlx::query!(
        r#"select id, status as "status: OrderStatus" from orders o
           where ((status in ('processing', 'payment_unknown', 'payment_pending', 'payment_in_process')
                   and (status <> 'processing' or updated_at < now() - make_interval(secs => $3)))
                  or exists (select 1 from payment_attempts a
                             where a.order_id = o.id and a.state = 'unknown'))
             and (next_check_at is null or next_check_at <= now()) and checks < $1
           order by updated_at limit $2 for update skip locked"#,
        max_checks,
        limit,
        stale_after.as_secs_f64()
    )
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    // 30 s, 1 min, 2 min ... capped at 1 h between checks.
    sqlx::query!(
        r#"update orders set checks = checks + 1,
             next_check_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, checks))
           where id = any($1)"#,
        &ids
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| (OrderId(r.id), r.status))
        .collect())
}

/// The attempt of the order still in flight, and when it began.
pub async fn in_flight_attempt(
    pool: &PgPool,
    order_id: OrderId,
) -> Result<Option<(i32, OffsetDateTime)>, sqlx::Error> {
    let started = sqlx::query!(
        r#"select attempt_no as "attempt_no!", created_at from payment_attempts
           where order_id = $1 and state = 'in_flight' and attempt_no is not null"#,
        order_id.0
    )
    .fetch_optional(pool)
    .await?;
    Ok(started.map(|a| (a.attempt_no, a.created_at)))
}

/// Where the order stands, and the payment it follows (or else its newest).
pub async fn followed_payment(
    pool: &PgPool,
    order_id: OrderId,
) -> Result<(OrderStatus, Option<PaymentId>), sqlx::Error> {
    let followed = sqlx::query!(
        r#"select o.status as "status: OrderStatus", coalesce(o.payment_id,
             (select id from payments where order_id = o.id order by created_at desc, id desc limit 1)) as payment_id
           from orders o where o.id = $1"#,
        order_id.0
    )
    .fetch_one(pool)
    .await?;
    Ok((followed.status, followed.payment_id.map(PaymentId)))
}

/// The sweep's bookmark, locked for this instance, if a sweep is due (`every` has passed since
/// the last); `None` when another instance holds it or it is not due.
pub async fn take_sweep(
    pool: &PgPool,
    every: Duration,
) -> Result<Option<(Transaction<'static, Postgres>, OffsetDateTime)>, sqlx::Error> {
    // A new store starts sweeping from now; the row outlives a sweep that was not due.
    sqlx::query!(
        r#"insert into sweeps (name, swept_until) values ('payments', now())
           on conflict (name) do nothing"#
    )
    .execute(pool)
    .await?;
    let mut tx = pool.begin().await?;
    let since = sqlx::query_scalar!(
        r#"select swept_until from sweeps
           where name = 'payments' and swept_until <= now() - make_interval(secs => $1)
           for update skip locked"#,
        every.as_secs_f64()
    )
    .fetch_optional(&mut *tx)
    .await?;
    Ok(since.map(|since| (tx, since)))
}

/// Moves the bookmark to `reached`; the caller commits.
pub async fn finish_sweep(
    tx: &mut Transaction<'static, Postgres>,
    reached: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update sweeps set swept_until = $1 where name = 'payments'",
        reached
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
