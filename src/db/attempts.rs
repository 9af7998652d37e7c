//! Payment attempts: the bookkeeping that makes "one order, at most one charge" hold.
//!
//! A submit first *claims* the order in one short transaction (row lock on the order, a
//! partial unique index allowing one in-flight attempt), then calls Mercado Pago with no
//! transaction or pooled connection held, then *records* the outcome in another transaction.

use std::time::Duration;

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::domain::order_status::Source;
use crate::domain::{Money, MoneyError, OrderId, OrderStatus, ShopperId};
use crate::mercadopago::Payment;

use super::money;
use super::orders::{latest_payment, parse_status, transition, PaymentRecord};

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
    Unknown {
        attempt_no: i32,
        since: OffsetDateTime,
    },
    AmountMismatch {
        expected: Money,
    },
    /// Cancelled, refunded or charged back: no more payments.
    Closed(OrderStatus),
    NotFound,
}

pub fn idempotency_key(order_id: OrderId, attempt_no: i32) -> String {
    format!("checkout-{order_id}-{attempt_no}")
}

/// Decides, under the order's row lock, whether this submit may call Mercado Pago.
#[tracing::instrument(skip(pool, claimed, claimed_text))]
pub async fn claim(
    pool: &PgPool,
    order_id: OrderId,
    shopper: ShopperId,
    claimed: &Result<Money, MoneyError>,
    claimed_text: &str,
    payment_method_id: &str,
    stale_after: Duration,
) -> Result<Claim, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(order) = sqlx::query!(
        r#"select shopper_id, status, total_minor, currency, attempts
           from orders where id = $1 for update"#,
        order_id.0
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Claim::NotFound);
    };
    if order.shopper_id != shopper.0 {
        return Ok(Claim::NotFound);
    }
    let total = money(order.total_minor, &order.currency)?;
    let status = parse_status(&order.status)?;
    match status {
        OrderStatus::Paid
        | OrderStatus::PartiallyRefunded
        | OrderStatus::PaymentPending
        | OrderStatus::PaymentInProcess => {
            drop(tx);
            return Ok(match latest_payment(pool, order_id).await? {
                Some(p) => Claim::Replay(p),
                None => Claim::Closed(status),
            });
        }
        OrderStatus::Processing => {
            let started = sqlx::query_scalar!(
                r#"select created_at from payment_attempts
                   where order_id = $1 and state = 'in_flight'"#,
                order_id.0
            )
            .fetch_optional(&mut *tx)
            .await?;
            let stale = started.is_none_or(|t| OffsetDateTime::now_utc() - t > stale_after);
            if !stale {
                return Ok(Claim::InFlight);
            }
            // The call outlived any timeout: its process died. The payment may exist.
            mark_unknown(&mut tx, order_id, order.attempts, "abandoned in flight").await?;
            tx.commit().await?;
            return Ok(Claim::Unknown {
                attempt_no: order.attempts,
                since: started.unwrap_or_else(OffsetDateTime::now_utc),
            });
        }
        OrderStatus::PaymentUnknown => {
            let since = sqlx::query_scalar!(
                r#"select updated_at from payment_attempts where order_id = $1 and attempt_no = $2"#,
                order_id.0,
                order.attempts
            )
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_else(OffsetDateTime::now_utc);
            return Ok(Claim::Unknown {
                attempt_no: order.attempts,
                since,
            });
        }
        OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::ChargedBack => {
            return Ok(Claim::Closed(status));
        }
        OrderStatus::Created | OrderStatus::Rejected => {}
    }
    if claimed.as_ref().ok() != Some(&total) {
        let reason = match claimed {
            Ok(m) => format!(
                "amount {} differs from order total {}",
                m.to_decimal_string(),
                total.to_decimal_string()
            ),
            Err(e) => format!("amount not acceptable: {e}"),
        };
        sqlx::query!(
            r#"insert into payment_attempts (order_id, state, payment_method_id, claimed_amount, error)
               values ($1, 'refused', $2, $3, $4)"#,
            order_id.0,
            payment_method_id,
            claimed_text.chars().take(40).collect::<String>(),
            reason
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Claim::AmountMismatch { expected: total });
    }
    let attempt_no = order.attempts + 1;
    let key = idempotency_key(order_id, attempt_no);
    sqlx::query!(
        r#"with counted as (update orders set attempts = $2 where id = $1)
           insert into payment_attempts
           (order_id, attempt_no, idempotency_key, state, payment_method_id, claimed_amount, previous_status)
           values ($1, $2, $3, 'in_flight', $4, $5, $6)"#,
        order_id.0,
        attempt_no,
        key,
        payment_method_id,
        claimed_text,
        status.as_str()
    )
    .execute(&mut *tx)
    .await?;
    transition(
        &mut tx,
        order_id,
        OrderStatus::Processing,
        Source::Checkout,
        None,
        Some(&key),
    )
    .await?;
    tx.commit().await?;
    Ok(Claim::Proceed(Ticket {
        order_id,
        attempt_no,
        idempotency_key: key,
        total,
    }))
}

/// Stores the payment Mercado Pago answered with and moves the order to match it.
#[tracing::instrument(skip(pool, payment), fields(payment_id = payment.id, status = %payment.status))]
pub async fn record_payment(
    pool: &PgPool,
    order_id: OrderId,
    attempt_no: i32,
    payment: &Payment,
    amount: Money,
    source: Source,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    super::payments::upsert(&mut tx, order_id, Some(attempt_no), payment, amount).await?;
    sqlx::query!(
        r#"update payment_attempts set state = 'completed', payment_id = $3, error = null, updated_at = now()
           where order_id = $1 and attempt_no = $2"#,
        order_id.0,
        attempt_no,
        payment.id
    )
    .execute(&mut *tx)
    .await?;
    let to = OrderStatus::from_payment(&payment.status, payment.status_detail());
    let note = format!("{}/{}", payment.status, payment.status_detail());
    transition(&mut tx, order_id, to, source, Some(payment.id), Some(&note)).await?;
    tx.commit().await
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
    let previous = sqlx::query_scalar!(
        r#"update payment_attempts set state = 'failed', error = $3, updated_at = now()
           where order_id = $1 and attempt_no = $2 returning previous_status"#,
        order_id.0,
        attempt_no,
        error
    )
    .fetch_one(&mut *tx)
    .await?
    .unwrap_or_else(|| OrderStatus::Created.as_str().to_string());
    let previous = parse_status(&previous)?;
    let current = parse_status(
        &sqlx::query_scalar!("select status from orders where id = $1", order_id.0)
            .fetch_one(&mut *tx)
            .await?,
    )?;
    // Only an order still waiting on this attempt goes back; news that came meanwhile stays.
    if matches!(
        current,
        OrderStatus::Processing | OrderStatus::PaymentUnknown
    ) {
        sqlx::query!(
            "update orders set status = $2, updated_at = now() where id = $1",
            order_id.0,
            previous.as_str()
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            r#"insert into order_history (order_id, from_status, to_status, source, note)
               values ($1, $2, $3, 'checkout', $4)"#,
            order_id.0,
            current.as_str(),
            previous.as_str(),
            error
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// The call ended without an answer: the payment may exist, so the order must not be paid again
/// until someone finds out.
#[tracing::instrument(skip(pool))]
pub async fn record_unknown(
    pool: &PgPool,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    mark_unknown(&mut tx, order_id, attempt_no, error).await?;
    tx.commit().await
}

async fn mark_unknown(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    order_id: OrderId,
    attempt_no: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"update payment_attempts set state = 'unknown', error = $3, updated_at = now()
           where order_id = $1 and attempt_no = $2"#,
        order_id.0,
        attempt_no,
        error
    )
    .execute(&mut **tx)
    .await?;
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

/// The attempt whose outcome is unknown, with the time it became so.
pub async fn unknown_attempt(
    pool: &PgPool,
    order_id: OrderId,
) -> Result<Option<(i32, OffsetDateTime)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select attempt_no as "attempt_no!", updated_at from payment_attempts
           where order_id = $1 and state = 'unknown' and attempt_no is not null
           order by attempt_no desc limit 1"#,
        order_id.0
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.attempt_no, r.updated_at)))
}
