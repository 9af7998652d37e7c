//! The reconciliation worker: inside the server, it keeps asking Mercado Pago until nothing
//! it said is lost.
//! - Orders whose outcome is unknown, pending or in process are re-checked with backoff until
//!   decided (or `MAX_CHECKS`), and so is any order with an attempt still unresolved.
//! - Notifications whose re-read failed are re-driven with backoff until applied.
//! - Every `sweep_interval`, the payments Mercado Pago changed lately are searched and applied:
//!   that is what finds a wallet payment, a refund or a chargeback whose webhooks never came.
//! - Orders left unpaid past `UNPAID_ORDER_EXPIRY_HOURS` are cancelled, so a page left open
//!   for days cannot pay an old price; a payment that lands anyway is flagged as a duplicate.
//!
//! Safe with several servers on one database: rows are claimed with `for update skip locked`
//! and pushed forward in the same statement or transaction.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::db::orders::parse_status;
use crate::db::{attempts, notifications};
use crate::domain::order_status::Source;
use crate::domain::{OrderId, OrderStatus};
use crate::mercadopago::time::iso;
use crate::payments::apply::{apply, Claimant};
use crate::payments::timings::{CHALLENGE_GIVE_UP, SEARCH_LAG};
use crate::state::AppState;

use super::resolve_unknown;

/// After this many checks an order is left to the merchant.
pub const MAX_CHECKS: i32 = 30;
const BATCH: i64 = 20;
/// Pages of 100 one sweep reads at most; what is left is read by the next sweep.
const SWEEP_PAGES: usize = 20;
const SWEEP_PAGE: usize = 100;

/// Runs forever, one pass every `interval`.
pub async fn run(state: Arc<AppState>, interval: Duration, sweep_interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match pass(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(items = n, "reconciliation pass"),
            Err(e) => tracing::warn!(error = %e, "reconciliation pass failed"),
        }
        match crate::db::orders::expire_unpaid(&state.pool, state.unpaid_order_expiry, 100).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "unpaid orders expired"),
            Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed"),
        }
        match sweep(&state, sweep_interval).await {
            Ok(Some(n)) if n > 0 => tracing::info!(payments = n, "sweep of updated payments"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweep of updated payments failed"),
        }
    }
}

/// Claims due orders and notifications and checks each; returns how many it checked.
pub async fn pass(state: &AppState) -> Result<usize, sqlx::Error> {
    let due = claim_due(&state.pool, BATCH, state.timings.stale_after).await?;
    for (order_id, status) in &due {
        check(state, *order_id, *status).await;
    }
    let redriven = redrive(state).await?;
    Ok(due.len() + redriven)
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
        r#"select id, status from orders o
           where ((status in ('processing', 'payment_unknown', 'payment_pending', 'payment_in_process')
                   and (status <> 'processing' or updated_at < now() - make_interval(secs => $3)))
                  or exists (select 1 from payment_attempts a
                             where a.order_id = o.id and a.state = 'unknown'))
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
    let outcome = async {
        if status == OrderStatus::Processing {
            abandon_stale(state, order_id).await?;
        }
        resolve_unknown(
            &state.pool,
            &state.mercadopago,
            order_id,
            &state.timings,
            Source::Reconciliation,
            state.refund_with(),
        )
        .await?;
        check_pending(state, order_id).await
    };
    if let Err(e) = outcome.await {
        tracing::warn!(error = %e, "could not reconcile the order yet");
    }
}

/// An attempt still in flight after every timeout was abandoned (its process died): its
/// outcome is unknown from now on. A live one is left alone.
async fn abandon_stale(state: &AppState, order_id: OrderId) -> anyhow::Result<()> {
    let started = sqlx::query!(
        r#"select attempt_no as "attempt_no!", created_at from payment_attempts
           where order_id = $1 and state = 'in_flight' and attempt_no is not null"#,
        order_id.0
    )
    .fetch_optional(&state.pool)
    .await?;
    if let Some(a) = started {
        if OffsetDateTime::now_utc() - a.created_at > state.timings.stale_after {
            attempts::record_unknown(
                &state.pool,
                order_id,
                a.attempt_no,
                "abandoned in flight",
                None,
            )
            .await?;
        }
    }
    Ok(())
}

/// Re-reads the payment a pending or in-process order follows. Past its expiry a Pix code is
/// cancelled so it cannot be paid late; a ticket is not: a voucher paid on its last day is
/// credited one to three business days later, and Mercado Pago itself closes unpaid ones. A
/// 3-D Secure challenge left unfinished past `CHALLENGE_GIVE_UP` is cancelled too.
async fn check_pending(state: &AppState, order_id: OrderId) -> anyhow::Result<()> {
    let followed = sqlx::query!(
        r#"select o.status, coalesce(o.payment_id,
             (select id from payments where order_id = o.id order by created_at desc, id desc limit 1)) as payment_id
           from orders o where o.id = $1"#,
        order_id.0
    )
    .fetch_one(&state.pool)
    .await?;
    let status = parse_status(&followed.status)?;
    if !matches!(
        status,
        OrderStatus::PaymentPending | OrderStatus::PaymentInProcess
    ) {
        return Ok(());
    }
    let Some(payment_id) = followed.payment_id else {
        return Ok(());
    };
    let mut payment = state.mercadopago.get_payment(payment_id).await?;
    let expired_pix = payment.status == "pending"
        && payment.payment_method_id.as_deref() == Some("pix")
        && payment
            .expires_at()
            .is_some_and(|d| d < OffsetDateTime::now_utc());
    let abandoned_challenge = payment.awaits_challenge()
        && payment
            .created_at()
            .is_some_and(|d| OffsetDateTime::now_utc() - d > CHALLENGE_GIVE_UP);
    if expired_pix {
        tracing::info!(payment_id, "cancelling a Pix payment past its expiry");
        payment = state.mercadopago.cancel_payment(payment_id).await?;
    } else if abandoned_challenge {
        tracing::info!(
            payment_id,
            "cancelling a card payment whose 3-D Secure challenge was abandoned"
        );
        payment = match state.mercadopago.cancel_payment(payment_id).await {
            Ok(cancelled) => cancelled,
            // Decided meanwhile (the shopper finished just in time): what it is now counts.
            Err(crate::mercadopago::MpError::Refused { .. }) => {
                state.mercadopago.get_payment(payment_id).await?
            }
            Err(e) => return Err(e.into()),
        };
    }
    apply(
        &state.pool,
        &state.metrics,
        &payment,
        Source::Reconciliation,
        Claimant::News,
        state.refund_with(),
    )
    .await?;
    Ok(())
}

/// How long a notified payment may stay unknown to Mercado Pago before the notification is
/// given up (and the merchant told).
const UNKNOWN_PAYMENT_GIVE_UP: time::Duration = time::Duration::hours(24);

/// Mercado Pago answers 404 for the payment, and has done so since the first notification
/// came longer than `UNKNOWN_PAYMENT_GIVE_UP` ago.
fn unknown_for_good(e: &anyhow::Error, first_received: time::OffsetDateTime) -> bool {
    let not_found = matches!(
        e.downcast_ref::<crate::mercadopago::MpError>(),
        Some(crate::mercadopago::MpError::Refused { status: 404, .. })
    );
    not_found && time::OffsetDateTime::now_utc() - first_received > UNKNOWN_PAYMENT_GIVE_UP
}

/// Re-reads the payments of notifications whose first re-read failed; one re-read per payment.
async fn redrive(state: &AppState) -> Result<usize, sqlx::Error> {
    let due = notifications::claim_due(&state.pool, BATCH * 5, state.reconcile_interval).await?;
    let mut by_payment: BTreeMap<Option<i64>, (Vec<i64>, time::OffsetDateTime)> = BTreeMap::new();
    for d in &due {
        let entry = by_payment
            .entry(d.payment_id)
            .or_insert((Vec::new(), d.received_at));
        entry.0.push(d.id);
        entry.1 = entry.1.min(d.received_at);
    }
    for (payment_id, (ids, first_received)) in by_payment {
        let Some(payment_id) = payment_id else {
            notifications::mark_processed(&state.pool, &ids, "no payment id").await?;
            continue;
        };
        match super::rereads::reread_once(state, payment_id).await {
            Ok(outcome) => {
                notifications::mark_processed(&state.pool, &ids, &outcome).await?;
                state.metrics.webhooks_applied(&ids);
            }
            Err(e) if unknown_for_good(&e, first_received) => {
                // A real payment is readable within minutes; this one has been unknown for a
                // day (the panel's "Simulate" button, another account's payment): the
                // merchant is told once, and the notification stops being retried.
                let detail = format!(
                    "Mercado Pago notified payment {payment_id} but has not known it for {} hours",
                    UNKNOWN_PAYMENT_GIVE_UP.whole_hours()
                );
                crate::db::payments::flag(
                    &state.pool,
                    None,
                    payment_id,
                    crate::db::payments::AnomalyKind::UnknownReference,
                    &detail,
                )
                .await?;
                notifications::mark_processed(&state.pool, &ids, "payment not found").await?;
            }
            Err(e) => {
                state.metrics.webhooks_failed(ids.len());
                tracing::warn!(payment_id, error = %e, "re-driven notification failed again");
                let error = e.to_string();
                sqlx::query!(
                    "update notifications set last_error = $2 where id = any($1)",
                    &ids,
                    error
                )
                .execute(&state.pool)
                .await?;
            }
        }
    }
    Ok(due.len())
}

/// Searches the payments Mercado Pago changed since the last sweep (less `SEARCH_LAG`, since
/// search shows a change only after a while) and applies those of our orders. One instance
/// sweeps at a time; `None` when no sweep was due here.
pub async fn sweep(state: &AppState, every: Duration) -> anyhow::Result<Option<usize>> {
    // A new store starts sweeping from now; the row outlives a sweep that was not due.
    sqlx::query!(
        r#"insert into sweeps (name, swept_until) values ('payments', now())
           on conflict (name) do nothing"#
    )
    .execute(&state.pool)
    .await?;
    let mut tx = state.pool.begin().await?;
    let Some(since) = sqlx::query_scalar!(
        r#"select swept_until from sweeps
           where name = 'payments' and swept_until <= now() - make_interval(secs => $1)
           for update skip locked"#,
        every.as_secs_f64()
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(None);
    };
    let started = OffsetDateTime::now_utc();
    let begin = iso(since - SEARCH_LAG);
    let end = iso(started + Duration::from_secs(60));
    let mut applied = 0;
    let mut reached = started;
    for page in 0..SWEEP_PAGES {
        let (payments, total) = state
            .mercadopago
            .payments_updated(&begin, &end, page * SWEEP_PAGE, SWEEP_PAGE)
            .await?;
        let count = payments.len();
        for payment in payments {
            // Another shop's sales on the same account are not ours to flag.
            let ours = payment
                .external_reference
                .as_deref()
                .and_then(OrderId::parse)
                .is_some();
            if ours {
                apply(
                    &state.pool,
                    &state.metrics,
                    &payment,
                    Source::Reconciliation,
                    Claimant::News,
                    state.refund_with(),
                )
                .await?;
                applied += 1;
            }
        }
        if count < SWEEP_PAGE || (page + 1) * SWEEP_PAGE >= total {
            break;
        }
        if page + 1 == SWEEP_PAGES {
            // Not all read: the next sweep starts where this one began.
            reached = since;
        }
    }
    sqlx::query!(
        "update sweeps set swept_until = $1 where name = 'payments'",
        reached
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(applied))
}
