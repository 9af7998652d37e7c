//! The reconciliation worker: inside the server, it keeps asking Mercado Pago about orders
//! whose outcome is unknown, pending or in process, until they are decided or it has asked
//! `MAX_CHECKS` times. Safe with several servers on one database: an order is claimed with
//! `for update skip locked` and its next check pushed forward in the same transaction.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::db::attempts;
use crate::db::orders::parse_status;
use crate::domain::order_status::Source;
use crate::domain::{OrderId, OrderStatus};
use crate::state::AppState;

use super::{apply_payment, resolve_unknown};

/// After this many checks an order is left to the merchant.
pub const MAX_CHECKS: i32 = 30;
const BATCH: i64 = 20;

/// Runs forever, one pass every `interval`.
pub async fn run(state: Arc<AppState>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match pass(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "reconciliation pass"),
            Err(e) => tracing::warn!(error = %e, "reconciliation pass failed"),
        }
    }
}

/// Claims due orders and checks each; returns how many it checked.
pub async fn pass(state: &AppState) -> Result<usize, sqlx::Error> {
    let due = claim_due(&state.pool, BATCH, state.stale_after).await?;
    for (order_id, status) in &due {
        check(state, *order_id, *status).await;
    }
    Ok(due.len())
}

/// Takes up to `limit` due orders for this instance: locked rows of other instances are
/// skipped, and each taken order's next check moves out, with a backoff, before commit.
/// An order `processing` for less than `stale_after` has a live call: it is not due.
pub async fn claim_due(
    pool: &sqlx::PgPool,
    limit: i64,
    stale_after: Duration,
) -> Result<Vec<(OrderId, OrderStatus)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let rows = sqlx::query!(
        r#"select id, status from orders
           where status in ('processing', 'payment_unknown', 'payment_pending', 'payment_in_process')
             and (status <> 'processing' or updated_at < now() - make_interval(secs => $3))
             and (next_check_at is null or next_check_at <= now()) and checks < $1
           order by updated_at limit $2 for update skip locked"#,
        MAX_CHECKS,
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
    rows.into_iter()
        .map(|r| Ok((OrderId(r.id), parse_status(&r.status)?)))
        .collect()
}

#[tracing::instrument(skip(state))]
async fn check(state: &AppState, order_id: OrderId, status: OrderStatus) {
    let outcome = match status {
        OrderStatus::PaymentUnknown | OrderStatus::Processing => {
            check_unknown(state, order_id, status).await
        }
        _ => check_pending(state, order_id).await,
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not reconcile the order yet");
    }
}

async fn check_unknown(
    state: &AppState,
    order_id: OrderId,
    status: OrderStatus,
) -> anyhow::Result<()> {
    let attempt = if status == OrderStatus::Processing {
        // Only an attempt that outlived every timeout was abandoned; a live one is left alone.
        let started = sqlx::query!(
            r#"select attempt_no as "attempt_no!", created_at from payment_attempts
               where order_id = $1 and state = 'in_flight' and attempt_no is not null"#,
            order_id.0
        )
        .fetch_optional(&state.pool)
        .await?;
        match started {
            Some(a) if OffsetDateTime::now_utc() - a.created_at > state.stale_after => {
                attempts::record_unknown(
                    &state.pool,
                    order_id,
                    a.attempt_no,
                    "abandoned in flight",
                )
                .await?;
                Some((a.attempt_no, a.created_at))
            }
            _ => None,
        }
    } else {
        attempts::unknown_attempt(&state.pool, order_id).await?
    };
    if let Some((attempt_no, since)) = attempt {
        resolve_unknown(
            &state.pool,
            &state.mercadopago,
            order_id,
            attempt_no,
            since,
            state.unknown_grace,
            Source::Reconciliation,
        )
        .await?;
    }
    Ok(())
}

async fn check_pending(state: &AppState, order_id: OrderId) -> anyhow::Result<()> {
    let Some(payment_id) = sqlx::query_scalar!(
        "select id from payments where order_id = $1 order by created_at desc, id desc limit 1",
        order_id.0
    )
    .fetch_optional(&state.pool)
    .await?
    else {
        return Ok(());
    };
    let mut payment = state.mercadopago.get_payment(payment_id).await?;
    let expired = payment.status == "pending"
        && payment
            .expires_at()
            .is_some_and(|d| d < OffsetDateTime::now_utc());
    if expired {
        // Past its expiry nobody can pay it; cancel it so it cannot be paid late either.
        tracing::info!(payment_id, "cancelling a pending payment past its expiry");
        payment = state.mercadopago.cancel_payment(payment_id).await?;
    }
    apply_payment(&state.pool, &payment, Source::Reconciliation).await?;
    Ok(())
}
