//! What a payment, as Mercado Pago reports it, does to its order. Every path that learns
//! about a payment ends here: the checkout's own answer, a resolved unknown outcome, a
//! webhook's re-read, the worker's polls and sweeps, the wallet's return.
//!
//! An order *follows* one payment (`orders.payment_id`): the one its newest attempt made, or
//! the first that paid it. News of that payment moves the order, forward only. News of any
//! other payment of the order is recorded but moves nothing, except an approval of an order
//! still unpaid (a late approval wins the order). A second approved payment of an order that
//! is already paid, refunded or cancelled is flagged as a duplicate for the merchant to
//! refund, and refunded at once when the merchant asked for that.

use sqlx::{PgPool, Postgres, Transaction};

use crate::db::payments::{flag, upsert, AnomalyKind, PaymentRow};
use crate::db::{attempts, orders};
use crate::domain::order_status::Source;
use crate::domain::{Money, OrderId, OrderStatus, PaymentId};
use crate::mercadopago::{MercadoPagoClient, Payment};
use crate::metrics::Metrics;

/// Who tells us about the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimant {
    /// The answer to (or the resolution of) this checkout attempt's own call: its order is
    /// known whatever the answer says.
    Attempt { order_id: OrderId, attempt_no: i32 },
    /// A webhook, a poll, a search: news about a payment that may be any of the order's.
    News,
}

/// What news about a payment did to our books.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Recorded; the order moved (true) or stayed (false).
    Recorded { moved: bool },
    /// An approved payment that does not match its order: recorded and flagged, order not paid.
    Flagged,
    /// A second approved payment of an order that was already paid or closed: flagged.
    Duplicate,
    /// Its `external_reference` names no order of ours: flagged.
    UnknownOrder,
}

/// Where a duplicate is refunded at once, the client to refund it with.
pub type RefundWith<'a> = Option<&'a MercadoPagoClient>;

/// Records `payment` and applies it to its order; see the module's rule.
#[tracing::instrument(skip(pool, metrics, payment, refund), fields(payment_id = %payment.id, status = %payment.status))]
pub async fn apply(
    pool: &PgPool,
    metrics: &Metrics,
    payment: &Payment,
    source: Source,
    claimant: Claimant,
    refund: RefundWith<'_>,
) -> Result<Applied, sqlx::Error> {
    let reference = payment.external_reference.as_deref().unwrap_or("");
    let mut tx = pool.begin().await?;
    let order_id = match claimant {
        Claimant::Attempt { order_id, .. } => Some(order_id),
        Claimant::News => OrderId::parse(reference),
    };
    let order = match order_id {
        Some(id) => orders::lock_for_payment(&mut tx, id).await?,
        None => None,
    };
    let Some(order) = order else {
        tx.rollback().await?;
        let detail = format!(
            "external_reference '{}' is no order of ours",
            reference.chars().take(64).collect::<String>()
        );
        flag(
            pool,
            None,
            payment.id,
            AnomalyKind::UnknownReference,
            &detail,
        )
        .await?;
        return Ok(Applied::UnknownOrder);
    };
    let amount = recorded_amount(payment, order.total);
    let attempt_no = match claimant {
        Claimant::Attempt { attempt_no, .. } => Some(attempt_no),
        Claimant::News => payment.attempt(),
    };
    let refunded_minor = payment
        .transaction_amount_refunded
        .as_ref()
        .and_then(|n| Money::parse_decimal(&n.to_string(), amount.currency()).ok())
        .map(Money::minor)
        .unwrap_or(0);
    let row = PaymentRow {
        id: payment.id,
        status: &payment.status,
        status_detail: &payment.status_detail,
        payment_method_id: payment.payment_method_id.as_deref().unwrap_or(""),
        payment_type_id: payment.payment_type_id.as_deref(),
        amount,
        refunded_minor,
        raw: &payment.raw,
    };
    let new_outcome = upsert(&mut tx, order.id, attempt_no, &row).await?;
    let counted = new_outcome.then_some((metrics, payment));
    let to = OrderStatus::from_payment(&payment.status, &payment.status_detail);
    let waiting = matches!(
        order.status,
        OrderStatus::Processing | OrderStatus::PaymentUnknown
    );
    let of_awaited_attempt = waiting && attempt_no == Some(order.attempts);
    if let Some(n) =
        attempt_no.filter(|_| matches!(claimant, Claimant::Attempt { .. }) || of_awaited_attempt)
    {
        attempts::complete(&mut tx, order.id, n, payment.id).await?;
    }
    let follows = order.payment_id == Some(payment.id)
        || of_awaited_attempt
        // Nothing followed yet and no attempt waiting: the first payment we hear of (the wallet's).
        || (order.payment_id.is_none() && !waiting);
    let approved = matches!(to, OrderStatus::Paid | OrderStatus::PartiallyRefunded);
    let amount_ok = amount == order.total
        && payment
            .currency_id
            .as_deref()
            .is_none_or(|c| c == order.total.currency().code());
    let already_paid_or_closed = matches!(
        order.status,
        OrderStatus::Paid
            | OrderStatus::PartiallyRefunded
            | OrderStatus::Refunded
            | OrderStatus::ChargedBack
            | OrderStatus::Cancelled
    );
    let duplicate = approved
        && (order.status == OrderStatus::Cancelled || (!follows && already_paid_or_closed));
    if duplicate {
        commit(tx, counted).await?;
        let detail = format!(
            "approved payment for an order that is already {}; the order follows payment {}",
            order.status.as_str(),
            order
                .payment_id
                .map(|p| p.to_string())
                .unwrap_or_else(|| "none".into())
        );
        flag(
            pool,
            Some(order.id),
            payment.id,
            AnomalyKind::DuplicatePayment,
            &detail,
        )
        .await?;
        if let Some(client) = refund {
            refund_duplicate(client, payment.id).await;
        }
        return Ok(Applied::Duplicate);
    }
    if !follows && !approved {
        // An older attempt's payment, or a duplicate's refund: the order does not follow it.
        commit(tx, counted).await?;
        return Ok(Applied::Recorded { moved: false });
    }
    if to == OrderStatus::Paid && !amount_ok {
        if waiting && follows {
            // Not paid, but no longer waiting on a call either: the merchant must look.
            orders::follow_payment(&mut tx, order.id, payment.id).await?;
            let note = "approved amount differs from the order";
            orders::transition(
                &mut tx,
                order.id,
                OrderStatus::PaymentInProcess,
                source,
                Some(payment.id),
                Some(note),
            )
            .await?;
        }
        commit(tx, counted).await?;
        let detail = format!(
            "approved {} {} for an order of {} {}",
            payment.currency_id.as_deref().unwrap_or("?"),
            amount.to_decimal_string(),
            order.total.currency(),
            order.total.to_decimal_string()
        );
        flag(
            pool,
            Some(order.id),
            payment.id,
            AnomalyKind::AmountMismatch,
            &detail,
        )
        .await?;
        return Ok(Applied::Flagged);
    }
    if order.payment_id != Some(payment.id) {
        orders::follow_payment(&mut tx, order.id, payment.id).await?;
    }
    let note = format!("{}/{}", payment.status, payment.status_detail);
    let moved =
        orders::transition(&mut tx, order.id, to, source, Some(payment.id), Some(&note)).await?;
    commit(tx, counted).await?;
    Ok(Applied::Recorded { moved })
}

/// A payment's new status is counted once committed: a write retried after a failure counts once.
async fn commit(
    tx: Transaction<'_, Postgres>,
    count: Option<(&Metrics, &Payment)>,
) -> Result<(), sqlx::Error> {
    tx.commit().await?;
    if let Some((metrics, payment)) = count {
        metrics.payment_recorded(payment.payment_type_id.as_deref(), &payment.status);
    }
    Ok(())
}

/// Gives a duplicate back at once (`MP_REFUND_DUPLICATES`). A failure leaves the flag for the
/// merchant; the refund's own key makes a repeat harmless.
async fn refund_duplicate(client: &MercadoPagoClient, payment_id: PaymentId) {
    let key = format!("duplicate-refund-{payment_id}");
    match client.refund(payment_id, None, &key).await {
        Ok(_) => tracing::warn!(%payment_id, "duplicate payment refunded automatically"),
        Err(e) => tracing::error!(%payment_id, error = %e, "could not refund a duplicate payment"),
    }
}

/// The amount Mercado Pago says was paid, read exactly in the order's currency. Where it
/// differs from the order, that is logged loudly; the record keeps what was really paid.
pub fn recorded_amount(paid: &Payment, expected: Money) -> Money {
    match paid
        .transaction_amount
        .as_ref()
        .map(|n| Money::parse_decimal(&n.to_string(), expected.currency()))
    {
        Some(Ok(amount)) => {
            if amount != expected {
                tracing::error!(payment_id = %paid.id, paid = %amount.to_decimal_string(), expected = %expected.to_decimal_string(), "payment amount differs from the order total");
            }
            amount
        }
        _ => {
            tracing::error!(
                payment_id = %paid.id,
                "payment amount unreadable; recording the order's amount"
            );
            expected
        }
    }
}
