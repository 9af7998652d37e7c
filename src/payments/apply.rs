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

use sqlx::PgPool;

use crate::db::lending::Lender;
use crate::db::orders::{self, PaymentTarget};
use crate::db::payments::{
    flag, news, record, AnomalyKind, Commit, Known, Move, PaymentRow, Seen, Writes,
};
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

/// How many times news is decided on an unlocked read and written under a re-check before it
/// is decided under the order's lock instead (the order or the payment kept changing).
const OPTIMISTIC_TRIES: usize = 3;

/// Records `payment` and applies it to its order; see the module's rule.
///
/// The decision is taken on one unlocked read of the order and the payment. What it writes is
/// one statement, committed on its own, that locks the order and the payment and writes only
/// if neither changed since that read; otherwise it is decided again. News that writes
/// nothing (most notifications) costs the read alone. Should the order keep changing, the
/// decision is taken under the order's row lock in a transaction, as a last resort.
#[tracing::instrument(skip(db, metrics, payment, refund), fields(payment_id = %payment.id, status = %payment.status))]
pub async fn apply(
    db: &Lender,
    metrics: &Metrics,
    payment: &Payment,
    source: Source,
    claimant: Claimant,
    refund: RefundWith<'_>,
) -> Result<Applied, sqlx::Error> {
    apply_to(db, metrics, payment, source, claimant, refund, None).await
}

/// [`apply`] for the answer to the checkout's own call, which knows what its claim left: the
/// order `processing` at `attempt_no`, following no payment, at `total`, and this new payment
/// unknown here. The first try decides on that and writes under the usual re-check, with no
/// read before it. If anything moved meanwhile (a notification recorded the payment first, the
/// order was resolved), the re-check writes nothing and `apply`'s reads take over. That first
/// write does not wait for the disk ([`Commit::Lazy`]): the claim's flush already made the
/// payment findable again, and the shopper's answer need not wait for a second flush.
#[tracing::instrument(skip(db, metrics, payment, refund), fields(payment_id = %payment.id, status = %payment.status))]
pub async fn apply_answer(
    db: &Lender,
    metrics: &Metrics,
    payment: &Payment,
    order_id: OrderId,
    attempt_no: i32,
    total: Money,
    refund: RefundWith<'_>,
) -> Result<Applied, sqlx::Error> {
    let claimed = PaymentTarget {
        id: order_id,
        status: OrderStatus::Processing,
        payment_id: None,
        attempts: attempt_no,
        total,
    };
    let claimant = Claimant::Attempt {
        order_id,
        attempt_no,
    };
    apply_to(
        db,
        metrics,
        payment,
        Source::Checkout,
        claimant,
        refund,
        Some(claimed),
    )
    .await
}

async fn apply_to(
    db: &Lender,
    metrics: &Metrics,
    payment: &Payment,
    source: Source,
    claimant: Claimant,
    refund: RefundWith<'_>,
    claimed: Option<PaymentTarget>,
) -> Result<Applied, sqlx::Error> {
    let reference = payment.external_reference.as_deref().unwrap_or("");
    let order_id = match claimant {
        Claimant::Attempt { order_id, .. } => Some(order_id),
        Claimant::News => OrderId::parse(reference),
    };
    let pool = db.pool();
    let Some(order_id) = order_id else {
        return unknown_order(pool, payment.id, reference).await;
    };
    if let Some(order) = claimed {
        // Known as absent: the write inserts the payment, and its `on conflict` writes nothing
        // if another writer inserted it meanwhile, so a wrong guess costs one statement.
        let decision = Decision::of(&order, None, payment, source, claimant);
        let mut conn = db.lend().await?;
        let written = record(
            &mut *conn,
            &seen(&order, None),
            &decision.writes(),
            Commit::Lazy,
        )
        .await?;
        conn.give_back();
        if written {
            return finish(pool, metrics, payment, refund, decision).await;
        }
    }
    for _ in 0..OPTIMISTIC_TRIES {
        // The read and the write it decides share one lent connection. It is given back
        // before anything else takes one, so a full pool cannot leave every holder waiting
        // for another.
        let mut conn = db.lend().await?;
        let Some((order, known)) = orders::payment_target(&mut *conn, order_id, payment.id).await?
        else {
            conn.give_back();
            return unknown_order(pool, payment.id, reference).await;
        };
        let decision = Decision::of(&order, known.as_ref(), payment, source, claimant);
        let written = record(
            &mut *conn,
            &seen(&order, known),
            &decision.writes(),
            Commit::Durable,
        )
        .await?;
        conn.give_back();
        if written {
            return finish(pool, metrics, payment, refund, decision).await;
        }
    }
    let mut tx = pool.begin().await?;
    let Some((order, known)) = orders::lock_payment_target(&mut tx, order_id, payment.id).await?
    else {
        tx.rollback().await?;
        return unknown_order(pool, payment.id, reference).await;
    };
    let decision = Decision::of(&order, known.as_ref(), payment, source, claimant);
    let writes = decision.writes();
    if !writes.any() {
        // Nothing written: a rollback does not wait for a flush as a commit would.
        tx.rollback().await?;
    } else if record(&mut *tx, &seen(&order, known), &writes, Commit::Durable).await? {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
        return Err(sqlx::Error::Protocol(
            "the order changed under its own row lock".into(),
        ));
    }
    finish(pool, metrics, payment, refund, decision).await
}

fn seen(order: &PaymentTarget, known: Option<Known>) -> Seen {
    Seen {
        status: order.status,
        payment_id: order.payment_id,
        attempts: order.attempts,
        known,
    }
}

/// After the commit: the new outcome counted (once, however often the write was retried),
/// the merchant told, a duplicate refunded when the merchant asked for that.
async fn finish(
    pool: &PgPool,
    metrics: &Metrics,
    payment: &Payment,
    refund: RefundWith<'_>,
    decision: Decision<'_>,
) -> Result<Applied, sqlx::Error> {
    if decision.new_outcome {
        metrics.payment_recorded(payment.payment_type_id.as_deref(), &payment.status);
    }
    if let Some((kind, detail)) = &decision.after {
        flag(pool, Some(decision.order_id), payment.id, *kind, detail).await?;
        if matches!(kind, AnomalyKind::DuplicatePayment) {
            if let Some(client) = refund {
                refund_duplicate(client, payment.id).await;
            }
        }
    }
    Ok(decision.applied)
}

/// Its `external_reference` names no order of ours: flagged.
async fn unknown_order(
    pool: &PgPool,
    payment_id: PaymentId,
    reference: &str,
) -> Result<Applied, sqlx::Error> {
    let detail = format!(
        "external_reference '{}' is no order of ours",
        reference.chars().take(64).collect::<String>()
    );
    flag(
        pool,
        None,
        payment_id,
        AnomalyKind::UnknownReference,
        &detail,
    )
    .await?;
    Ok(Applied::UnknownOrder)
}

/// What news of a payment does to its order, decided from the order and the payment as this
/// database has them; no I/O.
struct Decision<'a> {
    order_id: OrderId,
    payment_id: PaymentId,
    attempt_no: Option<i32>,
    /// The payment row, when the news is to be written.
    row: Option<PaymentRow<'a>>,
    /// The news is a new outcome (new here, or a new status): counted once committed.
    new_outcome: bool,
    complete: Option<i32>,
    follow: bool,
    /// (from, to, source, note)
    moves: Option<(OrderStatus, OrderStatus, Source, String)>,
    /// What the merchant is shown once committed; a duplicate may be refunded too.
    after: Option<(AnomalyKind, String)>,
    applied: Applied,
}

impl<'a> Decision<'a> {
    fn of(
        order: &PaymentTarget,
        known: Option<&Known>,
        payment: &'a Payment,
        source: Source,
        claimant: Claimant,
    ) -> Self {
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
        let (write, new_outcome) = news(known, &row);
        let mut decision = Decision {
            order_id: order.id,
            payment_id: payment.id,
            attempt_no,
            row: write.then_some(row),
            new_outcome,
            complete: None,
            follow: false,
            moves: None,
            after: None,
            applied: Applied::Recorded { moved: false },
        };
        let to = OrderStatus::from_payment(&payment.status, &payment.status_detail);
        let waiting = matches!(
            order.status,
            OrderStatus::Processing | OrderStatus::PaymentUnknown
        );
        let of_awaited_attempt = waiting && attempt_no == Some(order.attempts);
        decision.complete = attempt_no
            .filter(|_| matches!(claimant, Claimant::Attempt { .. }) || of_awaited_attempt);
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
            let detail = format!(
                "approved payment for an order that is already {}; the order follows payment {}",
                order.status.as_str(),
                order
                    .payment_id
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "none".into())
            );
            decision.after = Some((AnomalyKind::DuplicatePayment, detail));
            decision.applied = Applied::Duplicate;
            return decision;
        }
        if !follows && !approved {
            // An older attempt's payment, or a duplicate's refund: the order does not follow it.
            return decision;
        }
        if to == OrderStatus::Paid && !amount_ok {
            if waiting && follows {
                // Not paid, but no longer waiting on a call either: the merchant must look.
                decision.follow = order.payment_id != Some(payment.id);
                let note = "approved amount differs from the order".to_string();
                decision.moves = order
                    .status
                    .can_move_to(OrderStatus::PaymentInProcess)
                    .then_some((order.status, OrderStatus::PaymentInProcess, source, note));
            }
            let detail = format!(
                "approved {} {} for an order of {} {}",
                payment.currency_id.as_deref().unwrap_or("?"),
                amount.to_decimal_string(),
                order.total.currency(),
                order.total.to_decimal_string()
            );
            decision.after = Some((AnomalyKind::AmountMismatch, detail));
            decision.applied = Applied::Flagged;
            return decision;
        }
        decision.follow = order.payment_id != Some(payment.id);
        let moved = order.status.can_move_to(to);
        if moved {
            let note = format!("{}/{}", payment.status, payment.status_detail);
            decision.moves = Some((order.status, to, source, note));
        } else if order.status != to {
            tracing::info!(from = %order.status, to = %to, "order stays: the news would move it backwards");
        }
        decision.applied = Applied::Recorded { moved };
        decision
    }

    fn writes(&self) -> Writes<'_> {
        Writes {
            order_id: self.order_id,
            payment_id: self.payment_id,
            payment: self.row.as_ref(),
            attempt_no: self.attempt_no,
            complete: self.complete,
            follow: self.follow,
            moves: self.moves.as_ref().map(|(from, to, source, note)| Move {
                from: *from,
                to: *to,
                source: *source,
                note,
            }),
        }
    }
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
