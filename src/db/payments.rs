//! Payments as Mercado Pago reported them, and the anomalies the merchant must look at.

use crate::domain::order_status::Source;
use crate::domain::{
    AttemptState, Money, OrderId, OrderStatus, PaymentId, PaymentStatus, StatusDetail,
};

/// A payment as the database keeps it: what Mercado Pago reported, in our terms.
pub struct PaymentRow<'a> {
    pub id: PaymentId,
    pub status: &'a PaymentStatus,
    pub status_detail: &'a StatusDetail,
    pub payment_method_id: &'a str,
    pub payment_type_id: Option<&'a str>,
    /// What was paid, in the order's currency (see `payments::apply::recorded_amount`).
    pub amount: Money,
    /// What was given back so far, in minor units of the same currency.
    pub refunded_minor: i64,
    /// Mercado Pago's whole answer, for the record.
    pub raw: &'a serde_json::Value,
}

/// A payment as this database last recorded it: what decides whether news is new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub status: PaymentStatus,
    pub status_detail: StatusDetail,
    pub refunded_minor: i64,
}

/// Whether news of a payment is to be written: it is new here, or it changed (status, detail,
/// refunds) and does not go back (approved after refunded). The second answer is whether it
/// is a new outcome: the payment is new here, or its status changed.
pub fn news(known: Option<&Known>, payment: &PaymentRow<'_>) -> (bool, bool) {
    let Some(known) = known else {
        return (true, true);
    };
    // A re-read that brings nothing new (most notifications) writes nothing.
    if known.status == *payment.status
        && known.status_detail == *payment.status_detail
        && known.refunded_minor == payment.refunded_minor
    {
        return (false, false);
    }
    // A decided payment is never undecided again: such news was read before the decision and
    // arrived after it (a re-read racing a failed 3-D Secure challenge). The order rule alone
    // would let a rejected order take it, since a new attempt may well be pending.
    let decided = !known.status.is_undecided() && !matches!(known.status, PaymentStatus::Other(_));
    if decided && payment.status.is_undecided() {
        tracing::info!(payment_id = %payment.id, was = %known.status, news = %payment.status, "stale news: the payment was decided already");
        return (false, false);
    }
    let was = OrderStatus::from_payment(&known.status, &known.status_detail);
    let now = OrderStatus::from_payment(payment.status, payment.status_detail);
    if was != now && !was.can_move_to(now) {
        tracing::info!(payment_id = %payment.id, was = %known.status, news = %payment.status, "payment keeps its newer state");
        return (false, false);
    }
    (true, known.status != *payment.status)
}

/// An order's move to another status, with its history row.
pub struct Move<'a> {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub source: Source,
    pub note: &'a str,
}

/// What a decision about news was taken on: the order's row and the payment's as read. The
/// writes happen only if both still stand when the order is locked.
#[derive(Debug, Clone)]
pub struct Seen {
    pub status: OrderStatus,
    pub payment_id: Option<PaymentId>,
    pub attempts: i32,
    pub known: Option<Known>,
}

/// Everything news of one payment writes (`payments::apply`). Each part is optional.
pub struct Writes<'a> {
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    /// Inserts the payment or refreshes what changed (status, refunds); the attempt that made
    /// it (`attempt_no`) is kept from its first write.
    pub payment: Option<&'a PaymentRow<'a>>,
    pub attempt_no: Option<i32>,
    /// This attempt of the order made the payment: settled, its kept request no longer needed.
    pub complete: Option<i32>,
    /// From now on the order moves with the payment's news.
    pub follow: bool,
    pub moves: Option<Move<'a>>,
}

impl Writes<'_> {
    pub fn any(&self) -> bool {
        self.payment.is_some() || self.complete.is_some() || self.follow || self.moves.is_some()
    }
}

/// How [`record`]'s commit meets the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Answered once the write is flushed, as the server is configured.
    Durable,
    /// Answered before the flush (`synchronous_commit = off` for this write alone; PostgreSQL
    /// flushes it within 3 × `wal_writer_delay`, and a crash keeps a prefix of the WAL, so
    /// nothing committed after it survives a crash that lost it). Only for what Mercado Pago
    /// can tell again: the checkout's own answer, whose durable claim leaves the order
    /// `processing` with its attempt in flight if a crash loses the write, which the payment's
    /// notification and the worker then resolve as they resolve an answer that could not be
    /// written at all.
    Lazy,
}

/// All of `writes` in one statement (the payment row, the attempt's state, the order's
/// payment and status, the history row), if what they were decided on still stands: the
/// statement locks the order, then the payment, and re-checks both against `seen` on their
/// newest versions. False when they changed meanwhile: nothing was written, decide again.
///
/// Committed on its own (`&PgPool`) it needs no transaction around it: the lock lasts as long
/// as the statement. In a transaction that already holds the lock, `seen` is what it read.
pub async fn record<'e, E>(
    executor: E,
    seen: &Seen,
    writes: &Writes<'_>,
    commit: Commit,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    if !writes.any() {
        return Ok(true);
    }
    let p = writes.payment;
    let moves = writes.moves.as_ref();
    let known = seen.known.as_ref();
    // A payment read as absent that another writer inserted meanwhile is met by the insert's
    // `on conflict`: updated only when it was read as present (and `k` found it unchanged).
    sqlx::query_scalar!(
        r#"with g as (
               select id from orders
               where id = $2::uuid and status = $20::text
                 and payment_id is not distinct from $21::bigint and attempts = $22::int
               for update),
           k as (
               select id from payments
               where id = $1::bigint and exists (select from g)
                 and status = $23::text and status_detail = $24::text
                 and refunded_minor = $25::bigint
               for update),
           ok as (
               select exists (select from g) and ($23::text is null or exists (select from k)) as ok),
           pay as (
               insert into payments
               (id, order_id, attempt_no, status, status_detail, payment_method_id,
                payment_type_id, currency, amount_minor, refunded_minor, raw)
               select $1::bigint, $2::uuid, $3::int, $4::text, $5::text, $6::text, $7::text,
                      $8::text, $9::bigint, $10::bigint, $11::jsonb
               where $12::bool and (select ok from ok)
               on conflict (id) do update set status = excluded.status,
                 status_detail = excluded.status_detail, refunded_minor = excluded.refunded_minor,
                 raw = excluded.raw, updated_at = now()
               where $23::text is not null
               returning id),
           done as (
               select (select ok from ok) and (not $12::bool or exists (select from pay)) as done),
           settled as (
               update payment_attempts set state = $13, payment_id = $1::bigint, error = null,
                 request = null, updated_at = now()
               where order_id = $2::uuid and attempt_no = $14::int
                 and state in ('in_flight', 'unknown', 'completed')
                 and (select done from done)),
           moved as (
               update orders set payment_id = case when $15::bool then $1::bigint else payment_id end,
                      status = coalesce($16::text, status),
                      updated_at = case when $16::text is null then updated_at else now() end
               where id = $2::uuid and ($15::bool or $16::text is not null)
                 and (select done from done)),
           history as (
               insert into order_history
               (order_id, from_status, to_status, source, payment_id, note, status_detail)
               select $2::uuid, $17::text, $16::text, $18::text, $1::bigint, $19::text, $5::text
               where $16::text is not null and (select done from done)),
           flush as (
               select set_config('synchronous_commit',
                                 case when $26::bool then 'off'
                                      else current_setting('synchronous_commit') end, true))
           select done as "done!" from done, flush"#,
        writes.payment_id.0,
        writes.order_id.0,
        writes.attempt_no,
        p.map(|p| p.status) as Option<&PaymentStatus>,
        p.map(|p| p.status_detail) as Option<&StatusDetail>,
        p.map(|p| p.payment_method_id),
        p.and_then(|p| p.payment_type_id),
        p.map(|p| p.amount.currency().code()),
        p.map(|p| p.amount.minor()),
        p.map(|p| p.refunded_minor),
        p.map(|p| p.raw),
        p.is_some(),
        AttemptState::Completed as AttemptState,
        writes.complete,
        writes.follow,
        moves.map(|m| m.to) as Option<OrderStatus>,
        moves.map(|m| m.from) as Option<OrderStatus>,
        moves.map(|m| m.source.as_str()),
        moves.map(|m| m.note),
        seen.status as OrderStatus,
        seen.payment_id.map(|p| p.0),
        seen.attempts,
        known.map(|k| &k.status) as Option<&PaymentStatus>,
        known.map(|k| &k.status_detail) as Option<&StatusDetail>,
        known.map(|k| k.refunded_minor),
        commit == Commit::Lazy,
    )
    .fetch_one(executor)
    .await
}

/// The status a payment has here, if it is known here.
pub async fn status_of(
    pool: &sqlx::PgPool,
    id: PaymentId,
) -> Result<Option<PaymentStatus>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select status as "status: PaymentStatus" from payments where id = $1"#,
        id.0
    )
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, Copy)]
pub enum AnomalyKind {
    AmountMismatch,
    UnknownReference,
    /// A second approved payment of one order (two tabs, a late wallet payment).
    DuplicatePayment,
}

impl AnomalyKind {
    fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::AmountMismatch => "amount_mismatch",
            AnomalyKind::UnknownReference => "unknown_reference",
            AnomalyKind::DuplicatePayment => "duplicate_payment",
        }
    }
}

/// Flags a payment for the merchant, once per payment and kind.
pub async fn flag(
    pool: &sqlx::PgPool,
    order_id: Option<OrderId>,
    payment_id: PaymentId,
    kind: AnomalyKind,
    detail: &str,
) -> Result<(), sqlx::Error> {
    tracing::error!(
        %payment_id,
        kind = kind.as_str(),
        detail,
        "payment flagged for the merchant"
    );
    sqlx::query!(
        r#"insert into anomalies (order_id, payment_id, kind, detail) values ($1, $2, $3, $4)
           on conflict (payment_id, kind) do nothing"#,
        order_id.map(|o| o.0),
        payment_id.0,
        kind.as_str(),
        detail
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(
        status: &'a PaymentStatus,
        detail: &'a StatusDetail,
        raw: &'a serde_json::Value,
    ) -> PaymentRow<'a> {
        PaymentRow {
            id: PaymentId(1),
            status,
            status_detail: detail,
            payment_method_id: "master",
            payment_type_id: Some("credit_card"),
            amount: Money::from_minor(1000, crate::domain::Currency::Brl).unwrap(),
            refunded_minor: 0,
            raw,
        }
    }

    fn known(status: &str, detail: &str) -> Known {
        Known {
            status: PaymentStatus::from(status),
            status_detail: StatusDetail::from(detail),
            refunded_minor: 0,
        }
    }

    #[test]
    fn a_decided_payment_never_takes_undecided_news() {
        let raw = serde_json::Value::Null;
        let pending = PaymentStatus::from("pending");
        let challenge = StatusDetail::from("pending_challenge");
        for decided in [
            ("rejected", "cc_rejected_3ds_challenge"),
            ("approved", "accredited"),
            ("cancelled", "expired"),
        ] {
            let k = known(decided.0, decided.1);
            assert_eq!(
                news(Some(&k), &row(&pending, &challenge, &raw)),
                (false, false),
                "{decided:?}"
            );
        }
        // Forward news still counts: pending, then rejected.
        let rejected = PaymentStatus::from("rejected");
        let detail = StatusDetail::from("cc_rejected_3ds_challenge");
        let k = known("pending", "pending_challenge");
        assert_eq!(news(Some(&k), &row(&rejected, &detail, &raw)), (true, true));
        // Undecided to undecided (in_process after pending) is news too.
        let in_process = PaymentStatus::from("in_process");
        let review = StatusDetail::from("pending_review_manual");
        assert_eq!(
            news(Some(&k), &row(&in_process, &review, &raw)),
            (true, true)
        );
    }
}
