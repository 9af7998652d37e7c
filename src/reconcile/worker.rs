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

use super::Reconciler;
use crate::db::{attempts, notifications, reconciliation};
use crate::domain::order_status::Source;
use crate::domain::site::methods;
use crate::domain::timings::{CHALLENGE_GIVE_UP, SEARCH_LAG};
use crate::domain::{OrderId, OrderStatus, PaymentId, PaymentStatus};
use crate::mercadopago::time::iso;
use crate::payments::resolve::resolve_unknown;

pub use crate::db::reconciliation::MAX_CHECKS;
const BATCH: i64 = 20;
/// Pages of 100 one sweep reads at most; what is left is read by the next sweep.
const SWEEP_PAGES: usize = 20;
const SWEEP_PAGE: usize = 100;

/// Runs forever, one pass every `interval`.
pub async fn run(sync: Arc<Reconciler>) {
    let mut tick = tokio::time::interval(sync.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match pass(&sync).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(items = n, "reconciliation pass"),
            Err(e) => tracing::warn!(error = %e, "reconciliation pass failed"),
        }
        match crate::db::orders::expire_unpaid(&sync.pool, sync.unpaid_order_expiry, 100).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "unpaid orders expired"),
            Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed"),
        }
        match sweep(&sync, sync.sweep_interval).await {
            Ok(Some(n)) if n > 0 => tracing::info!(payments = n, "sweep of updated payments"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweep of updated payments failed"),
        }
    }
}

/// Claims due orders and notifications and checks each; returns how many it checked.
pub async fn pass(sync: &Reconciler) -> Result<usize, sqlx::Error> {
    let due = claim_due(&sync.pool, BATCH, sync.timings.stale_after).await?;
    for (order_id, status) in &due {
        check(sync, *order_id, *status).await;
    }
    let redriven = redrive(sync).await?;
    Ok(due.len() + redriven)
}

pub use crate::db::reconciliation::claim_due;

#[tracing::instrument(skip(sync))]
async fn check(sync: &Reconciler, order_id: OrderId, status: OrderStatus) {
    let outcome = async {
        if status == OrderStatus::Processing {
            abandon_stale(sync, order_id).await?;
        }
        resolve_unknown(
            &sync.lender,
            &sync.mercadopago,
            order_id,
            &sync.timings,
            Source::Reconciliation,
            sync.refund_with(),
        )
        .await?;
        check_pending(sync, order_id).await
    };
    if let Err(e) = outcome.await {
        tracing::warn!(error = %e, "could not reconcile the order yet");
    }
}

/// An attempt still in flight after every timeout was abandoned (its process died): its
/// outcome is unknown from now on. A live one is left alone.
async fn abandon_stale(sync: &Reconciler, order_id: OrderId) -> anyhow::Result<()> {
    let started = reconciliation::in_flight_attempt(&sync.pool, order_id).await?;
    if let Some((attempt_no, created_at)) = started {
        if OffsetDateTime::now_utc() - created_at > sync.timings.stale_after {
            attempts::record_unknown(
                &sync.pool,
                order_id,
                attempt_no,
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
async fn check_pending(sync: &Reconciler, order_id: OrderId) -> anyhow::Result<()> {
    let (status, payment_id) = reconciliation::followed_payment(&sync.pool, order_id).await?;
    if !matches!(
        status,
        OrderStatus::PaymentPending | OrderStatus::PaymentInProcess
    ) {
        return Ok(());
    }
    let Some(payment_id) = payment_id else {
        return Ok(());
    };
    let mut payment = sync.mercadopago.get_payment(payment_id).await?;
    let expired_pix = payment.status == PaymentStatus::Pending
        && payment.payment_method_id.as_deref() == Some(methods::PIX)
        && payment
            .expires_at()
            .is_some_and(|d| d < OffsetDateTime::now_utc());
    let abandoned_challenge = payment.awaits_challenge()
        && payment
            .created_at()
            .is_some_and(|d| OffsetDateTime::now_utc() - d > CHALLENGE_GIVE_UP);
    if expired_pix {
        tracing::info!(%payment_id, "cancelling a Pix payment past its expiry");
        payment = sync.mercadopago.cancel_payment(payment_id).await?;
    } else if abandoned_challenge {
        tracing::info!(
            %payment_id,
            "cancelling a card payment whose 3-D Secure challenge was abandoned"
        );
        payment = match sync.mercadopago.cancel_payment(payment_id).await {
            Ok(cancelled) => cancelled,
            // Decided meanwhile (the shopper finished just in time): what it is now counts.
            Err(crate::mercadopago::MpError::Refused { .. }) => {
                sync.mercadopago.get_payment(payment_id).await?
            }
            Err(e) => return Err(e.into()),
        };
    }
    sync.apply_news(&payment).await?;
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
async fn redrive(sync: &Reconciler) -> Result<usize, sqlx::Error> {
    let due = notifications::claim_due(&sync.pool, BATCH * 5, sync.interval).await?;
    let mut by_payment: BTreeMap<Option<PaymentId>, (Vec<i64>, time::OffsetDateTime)> =
        BTreeMap::new();
    for d in &due {
        let entry = by_payment
            .entry(d.payment_id)
            .or_insert((Vec::new(), d.received_at));
        entry.0.push(d.id);
        entry.1 = entry.1.min(d.received_at);
    }
    for (payment_id, (ids, first_received)) in by_payment {
        let Some(payment_id) = payment_id else {
            notifications::mark_processed(&sync.pool, &ids, "no payment id").await?;
            continue;
        };
        match super::rereads::reread_once(sync, payment_id).await {
            Ok(outcome) => {
                notifications::mark_processed(&sync.pool, &ids, &outcome).await?;
                sync.metrics.webhooks_applied(&ids);
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
                    &sync.pool,
                    None,
                    payment_id,
                    crate::db::payments::AnomalyKind::UnknownReference,
                    &detail,
                )
                .await?;
                notifications::mark_processed(&sync.pool, &ids, "payment not found").await?;
            }
            Err(e) => {
                sync.metrics.webhooks_failed(ids.len());
                tracing::warn!(%payment_id, error = %e, "re-driven notification failed again");
                let error = e.to_string();
                notifications::set_last_error(&sync.pool, &ids, &error).await?;
            }
        }
    }
    Ok(due.len())
}

/// Searches the payments Mercado Pago changed since the last sweep (less `SEARCH_LAG`, since
/// search shows a change only after a while) and applies those of our orders. One instance
/// sweeps at a time; `None` when no sweep was due here.
pub async fn sweep(sync: &Reconciler, every: Duration) -> anyhow::Result<Option<usize>> {
    let Some((mut tx, since)) = reconciliation::take_sweep(&sync.pool, every).await? else {
        return Ok(None);
    };
    let started = OffsetDateTime::now_utc();
    let begin = iso(since - SEARCH_LAG);
    let end = iso(started + Duration::from_secs(60));
    let mut applied = 0;
    let mut reached = started;
    for page in 0..SWEEP_PAGES {
        let (payments, total) = sync
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
                sync.apply_news(&payment).await?;
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
    reconciliation::finish_sweep(&mut tx, reached).await?;
    tx.commit().await?;
    Ok(Some(applied))
}
