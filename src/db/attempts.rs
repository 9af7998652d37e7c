//! Payment attempts: the bookkeeping that makes "one order, at most one charge" hold.
//!
//! A submit first *claims* the order in one short transaction (row lock on the order, a
//! partial unique index allowing one in-flight attempt), then calls Mercado Pago with no
//! transaction or pooled connection held, then *records* the outcome in another transaction.
//!
//! A state an attempt moves to is a typed bind (`AttemptState`); a state a query filters on
//! stays a literal in the SQL, as the partial index `payment_attempts_one_in_flight` names it.

use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::order_status::Source;
use crate::domain::Timings;
use crate::domain::{AttemptState, Money, MoneyError, OrderId, OrderStatus, PaymentId, ShopperId};

use super::money;
use super::orders::{latest_payment, transition, PaymentRecord};

/// Bounds on payment attempts, against card testing.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Calls to Mercado Pago one order may take.
    pub per_order: i32,
    /// Calls to Mercado Pago one shopper may cause in an hour, over all their orders.
    pub per_shopper_hour: i64,
}

/// Permission to make one call to Mercado Pago for an order.
#[derive(Debug, Clone)]
pub struct Ticket {
    pub order_id: OrderId,
    pub attempt_no: i32,
    /// Deterministic per order attempt: a retry of the same attempt can never charge twice.
    pub idempotency_key: String,
    pub total: Money,
}

#[derive(Debug)]
pub enum Claim {
    Proceed(Ticket),
    /// A payment that may still succeed or already did: answer with it, call nobody.
    Replay(PaymentRecord),
    /// Another request is calling Mercado Pago for this order right now.
    InFlight,
    /// An earlier call ended without an answer; its payment may exist.
    Unknown,
    AmountMismatch {
        expected: Money,
    },
    /// Cancelled, refunded or charged back: no more payments.
    Closed(OrderStatus),
    /// The order or the shopper has used up its attempts: no call, against card testing.
    TooManyAttempts,
    /// The order's prices were last checked longer ago than the freshness window: re-check
    /// them against the catalog (`payments::freshness`) before it is paid.
    Stale,
    NotFound,
}

/// What a claim needs besides the order: how long a call can last and how many are allowed.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRules {
    pub timings: Timings,
    pub limits: AttemptLimits,
    /// How long an order's prices stand without a re-check.
    pub freshness: std::time::Duration,
}

pub fn idempotency_key(order_id: OrderId, attempt_no: i32) -> String {
    format!("checkout-{order_id}-{attempt_no}")
}

/// The order as a claim reads it, under its row lock.
struct LockedOrder {
    shopper_id: uuid::Uuid,
    status: OrderStatus,
    total_minor: i64,
    currency: String,
    attempts: i32,
    priced_at: OffsetDateTime,
}

/// What the shopper submitted, as far as a claim looks at it.
struct Submitted<'a> {
    claimed: &'a Result<Money, MoneyError>,
    claimed_text: &'a str,
    payment_method_id: &'a str,
}

/// Decides, under the order's row lock, whether this submit may call Mercado Pago: one case
/// per state of the order.
#[tracing::instrument(skip(pool, claimed, claimed_text))]
pub async fn claim(
    pool: &PgPool,
    order_id: OrderId,
    shopper: ShopperId,
    claimed: &Result<Money, MoneyError>,
    claimed_text: &str,
    payment_method_id: &str,
    rules: ClaimRules,
) -> Result<Claim, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(order) = sqlx::query_as!(
        LockedOrder,
        r#"select shopper_id, status as "status: OrderStatus", total_minor, currency, attempts,
                  priced_at
           from orders where id = $1 for update"#,
        order_id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    .filter(|o| o.shopper_id == shopper.0) else {
        return Ok(Claim::NotFound);
    };
    let submitted = Submitted {
        claimed,
        claimed_text,
        payment_method_id,
    };
    match order.status {
        OrderStatus::Paid
        | OrderStatus::PartiallyRefunded
        | OrderStatus::PaymentPending
        | OrderStatus::PaymentInProcess => {
            drop(tx);
            replay(pool, order_id, order.status).await
        }
        OrderStatus::Processing => in_flight_or_abandoned(tx, order_id, &order, rules).await,
        OrderStatus::PaymentUnknown => Ok(Claim::Unknown),
        OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::ChargedBack => {
            Ok(Claim::Closed(order.status))
        }
        OrderStatus::Created | OrderStatus::Rejected => {
            proceed(tx, order_id, shopper, &order, &submitted, rules).await
        }
    }
}

/// A payment that may still succeed or already did: the shopper is answered with it.
async fn replay(
    pool: &PgPool,
    order_id: OrderId,
    status: OrderStatus,
) -> Result<Claim, sqlx::Error> {
    Ok(match latest_payment(pool, order_id).await? {
        Some(p) => Claim::Replay(p),
        None => Claim::Closed(status),
    })
}

/// Another call is under way, unless it outlived any timeout: then its process died, and its
/// payment may exist.
async fn in_flight_or_abandoned(
    mut tx: Transaction<'_, Postgres>,
    order_id: OrderId,
    order: &LockedOrder,
    rules: ClaimRules,
) -> Result<Claim, sqlx::Error> {
    let started = sqlx::query_scalar!(
        r#"select created_at from payment_attempts
           where order_id = $1 and state = 'in_flight'"#,
        order_id.0
    )
    .fetch_optional(&mut *tx)
    .await?;
    let stale = started.is_none_or(|t| OffsetDateTime::now_utc() - t > rules.timings.stale_after);
    if !stale {
        return Ok(Claim::InFlight);
    }
    mark_unknown(
        &mut tx,
        order_id,
        order.attempts,
        "abandoned in flight",
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(Claim::Unknown)
}

/// An order waiting for its payment: a new attempt, unless its prices need a re-check, the
/// amount is not the order's, or the attempts are used up.
async fn proceed(
    mut tx: Transaction<'_, Postgres>,
    order_id: OrderId,
    shopper: ShopperId,
    order: &LockedOrder,
    submitted: &Submitted<'_>,
    rules: ClaimRules,
) -> Result<Claim, sqlx::Error> {
    let total = money(order.total_minor, &order.currency)?;
    if OffsetDateTime::now_utc() - order.priced_at > rules.freshness {
        return Ok(Claim::Stale);
    }
    if submitted.claimed.as_ref().ok() != Some(&total) {
        refuse_amount(&mut tx, order_id, total, submitted).await?;
        tx.commit().await?;
        return Ok(Claim::AmountMismatch { expected: total });
    }
    if order.attempts >= rules.limits.per_order
        || recent_calls(&mut tx, shopper).await? >= rules.limits.per_shopper_hour
    {
        return Ok(Claim::TooManyAttempts);
    }
    let ticket = start_attempt(&mut tx, order_id, order, total, submitted).await?;
    tx.commit().await?;
    Ok(Claim::Proceed(ticket))
}

/// Keeps a submit whose amount is not the order's total, refused before any call.
async fn refuse_amount(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    total: Money,
    submitted: &Submitted<'_>,
) -> Result<(), sqlx::Error> {
    let reason = match submitted.claimed {
        Ok(m) => format!(
            "amount {} differs from order total {}",
            m.to_decimal_string(),
            total.to_decimal_string()
        ),
        Err(e) => format!("amount not acceptable: {e}"),
    };
    sqlx::query!(
        r#"insert into payment_attempts (order_id, state, payment_method_id, claimed_amount, error)
           values ($1, $2, $3, $4, $5)"#,
        order_id.0,
        AttemptState::Refused as AttemptState,
        submitted.payment_method_id,
        submitted.claimed_text.chars().take(40).collect::<String>(),
        reason
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Numbers the new attempt and marks the order `processing`; the caller commits.
async fn start_attempt(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    order: &LockedOrder,
    total: Money,
    submitted: &Submitted<'_>,
) -> Result<Ticket, sqlx::Error> {
    let attempt_no = order.attempts + 1;
    let key = idempotency_key(order_id, attempt_no);
    // The order follows the new attempt from now on: news of an older attempt's payment can
    // no longer move it (only an approval could, and a later one would be flagged).
    sqlx::query!(
        r#"with counted as (update orders set attempts = $2, payment_id = null where id = $1)
           insert into payment_attempts
           (order_id, attempt_no, idempotency_key, state, payment_method_id, claimed_amount, previous_status)
           values ($1, $2, $3, $4, $5, $6, $7)"#,
        order_id.0,
        attempt_no,
        key,
        AttemptState::InFlight as AttemptState,
        submitted.payment_method_id,
        submitted.claimed_text,
        order.status as OrderStatus
    )
    .execute(&mut **tx)
    .await?;
    transition(
        tx,
        order_id,
        OrderStatus::Processing,
        Source::Checkout,
        None,
        Some(&key),
    )
    .await?;
    Ok(Ticket {
        order_id,
        attempt_no,
        idempotency_key: key,
        total,
    })
}

/// Calls to Mercado Pago the shopper caused in the last hour, over all their orders.
async fn recent_calls(
    tx: &mut Transaction<'_, Postgres>,
    shopper: ShopperId,
) -> Result<i64, sqlx::Error> {
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n!" from payment_attempts a join orders o on o.id = a.order_id
           where o.shopper_id = $1 and a.attempt_no is not null
             and a.created_at > now() - interval '1 hour'"#,
        shopper.0
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// The attempt's call made `payment_id`: settled, and its kept request is no longer needed.
pub async fn complete(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    attempt_no: i32,
    payment_id: PaymentId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update payment_attempts set state = $4, payment_id = $3, error = null,
             request = null, updated_at = now()
           where order_id = $1 and attempt_no = $2 and state in ('in_flight', 'unknown', 'completed')"#,
        order_id.0,
        attempt_no,
        payment_id.0,
        AttemptState::Completed as AttemptState
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The call created nothing (Mercado Pago refused it, or it never left): the order is payable
/// again, in the state it had before the attempt.
#[tracing::instrument(skip(pool))]
pub async fn record_failure(
    pool: &PgPool,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(previous) = sqlx::query_scalar!(
        r#"update payment_attempts set state = $4, error = $3, request = null, updated_at = now()
           where order_id = $1 and attempt_no = $2 and state in ('in_flight', 'unknown')
           returning previous_status as "previous_status: OrderStatus""#,
        order_id.0,
        attempt_no,
        error,
        AttemptState::Failed as AttemptState
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        // Settled meanwhile by news of its payment: nothing to hand back.
        return tx.commit().await;
    };
    let previous = previous.unwrap_or(OrderStatus::Created);
    let current = sqlx::query_scalar!(
        r#"select status as "status: OrderStatus" from orders where id = $1"#,
        order_id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    // Only an order still waiting on this attempt goes back; news that came meanwhile stays.
    if matches!(
        current,
        OrderStatus::Processing | OrderStatus::PaymentUnknown
    ) {
        sqlx::query!(
            "update orders set status = $2, updated_at = now() where id = $1",
            order_id.0,
            previous as OrderStatus
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"insert into order_history (order_id, from_status, to_status, source, note)
               values ($1, $2, $3, 'checkout', $4)"#,
            order_id.0,
            current as OrderStatus,
            previous as OrderStatus,
            error
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The call ended without an answer: the payment may exist, so the order must not be paid again
/// until someone finds out. `request` is the body sent, kept to be sent again under its key.
#[tracing::instrument(skip(pool, request))]
pub async fn record_unknown(
    pool: &PgPool,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
    request: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    mark_unknown(&mut tx, order_id, attempt_no, error, request).await?;
    tx.commit().await
}

async fn mark_unknown(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
    request: Option<&str>,
) -> Result<(), sqlx::Error> {
    let marked = sqlx::query!(
        r#"update payment_attempts set state = $5, error = $3,
             request = coalesce($4, request), updated_at = now()
           where order_id = $1 and attempt_no = $2 and state in ('in_flight', 'unknown')"#,
        order_id.0,
        attempt_no,
        error,
        request,
        AttemptState::Unknown as AttemptState
    )
    .execute(&mut **tx)
    .await?;
    // News of the attempt's payment (a webhook) may have settled it meanwhile: then the order
    // already stands where that payment put it.
    if marked.rows_affected() == 0 {
        return Ok(());
    }
    transition(
        tx,
        order_id,
        OrderStatus::PaymentUnknown,
        Source::Checkout,
        None,
        Some(error),
    )
    .await?;
    Ok(())
}

/// An attempt whose outcome is unknown: what is needed to find it out.
#[derive(Debug, Clone)]
pub struct UnknownAttempt {
    pub attempt_no: i32,
    pub idempotency_key: String,
    /// When the attempt began: its calls all lie within `Timings::call_budget` of it.
    pub started: OffsetDateTime,
    /// The body its call sent, when it was kept.
    pub request: Option<String>,
}

/// The order's newest attempt whose outcome is unknown.
pub async fn unknown_attempt(
    pool: &PgPool,
    order_id: OrderId,
) -> Result<Option<UnknownAttempt>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select attempt_no as "attempt_no!", idempotency_key as "idempotency_key!", created_at, request
           from payment_attempts
           where order_id = $1 and state = 'unknown' and attempt_no is not null
           order by attempt_no desc limit 1"#,
        order_id.0
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| UnknownAttempt {
        attempt_no: r.attempt_no,
        idempotency_key: r.idempotency_key,
        started: r.created_at,
        request: r.request,
    }))
}
