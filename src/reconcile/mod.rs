//! Payment truth after the checkout's answer: what became of an unanswered call, and what
//! news about a payment does to its order.

pub mod rereads;
pub mod worker;

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::db::attempts;
use crate::domain::order_status::Source;
use crate::domain::{Money, OrderId, OrderStatus};
use crate::mercadopago::{MercadoPagoClient, MpError, Payment};

#[derive(Debug)]
pub enum Resolution {
    /// Mercado Pago has a payment for the order; it is now recorded.
    Found(Box<Payment>),
    /// Nothing found yet, but the call may still be landing: ask again later.
    NotYet,
    /// Nothing was made, long after the call: the order is payable again.
    NothingMade,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("asking Mercado Pago")]
    Provider(#[from] MpError),
    #[error("database")]
    Database(#[from] sqlx::Error),
}

/// Searches Mercado Pago by `external_reference` for the order's payment and records it.
#[tracing::instrument(skip(pool, client))]
pub async fn resolve_unknown(
    pool: &PgPool,
    client: &MercadoPagoClient,
    order_id: OrderId,
    attempt_no: i32,
    since: OffsetDateTime,
    grace: std::time::Duration,
    source: Source,
) -> Result<Resolution, ResolveError> {
    let found = client.payments_for(&order_id.to_string()).await?;
    // A payment that can still succeed (or did) wins over a declined one.
    let best = found
        .iter()
        .find(|p| !OrderStatus::from_payment_status(&p.status).accepts_payment())
        .or_else(|| found.first());
    if let Some(paid) = best {
        let total = sqlx::query!(
            "select total_minor, currency from orders where id = $1",
            order_id.0
        )
        .fetch_one(pool)
        .await?;
        let expected = crate::db::money(total.total_minor, &total.currency)?;
        let amount = recorded_amount(paid, expected);
        attempts::record_payment(pool, order_id, attempt_no, paid, amount, source).await?;
        tracing::info!(payment_id = paid.id, status = %paid.status, "unknown outcome resolved");
        return Ok(Resolution::Found(Box::new(paid.clone())));
    }
    if OffsetDateTime::now_utc() - since < grace {
        return Ok(Resolution::NotYet);
    }
    attempts::record_failure(
        pool,
        order_id,
        attempt_no,
        "no payment found at Mercado Pago after the call",
    )
    .await?;
    tracing::info!("unknown outcome resolved: nothing was charged");
    Ok(Resolution::NothingMade)
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
                tracing::error!(payment_id = paid.id, paid = %amount.to_decimal_string(), expected = %expected.to_decimal_string(), "payment amount differs from the order total");
            }
            amount
        }
        _ => {
            tracing::error!(
                payment_id = paid.id,
                "payment amount unreadable; recording the order's amount"
            );
            expected
        }
    }
}

/// What news about a payment did to our books.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Recorded; the order moved (true) or stayed because the news was old (false).
    Recorded { moved: bool },
    /// An approved payment that does not match its order: recorded and flagged, order not paid.
    Flagged,
    /// Its `external_reference` names no order of ours: flagged.
    UnknownOrder,
}

/// Applies what Mercado Pago says about a payment (read from its API, never from a
/// notification body) to the payment's order, forward only.
#[tracing::instrument(skip(pool, payment), fields(payment_id = payment.id, status = %payment.status))]
pub async fn apply_payment(
    pool: &PgPool,
    payment: &Payment,
    source: Source,
) -> Result<Applied, sqlx::Error> {
    use crate::db::payments::{flag, upsert, AnomalyKind};
    let reference = payment.external_reference.as_deref().unwrap_or("");
    let order = match OrderId::parse(reference) {
        Some(id) => sqlx::query!(
            "select total_minor, currency from orders where id = $1",
            id.0
        )
        .fetch_optional(pool)
        .await?
        .map(|o| (id, o)),
        None => None,
    };
    let Some((order_id, order)) = order else {
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
    let expected = crate::db::money(order.total_minor, &order.currency)?;
    let amount = recorded_amount(payment, expected);
    let currency_ok = payment
        .currency_id
        .as_deref()
        .is_none_or(|c| c == expected.currency().code());
    let mut tx = pool.begin().await?;
    upsert(&mut tx, order_id, None, payment, amount).await?;
    let to = OrderStatus::from_payment(&payment.status, payment.status_detail());
    if to == OrderStatus::Paid && (amount != expected || !currency_ok) {
        tx.commit().await?;
        let detail = format!(
            "approved {} {} for an order of {} {}",
            payment.currency_id.as_deref().unwrap_or("?"),
            amount.to_decimal_string(),
            expected.currency(),
            expected.to_decimal_string()
        );
        flag(
            pool,
            Some(order_id),
            payment.id,
            AnomalyKind::AmountMismatch,
            &detail,
        )
        .await?;
        return Ok(Applied::Flagged);
    }
    let note = format!("{}/{}", payment.status, payment.status_detail());
    let moved =
        crate::db::orders::transition(&mut tx, order_id, to, source, Some(payment.id), Some(&note))
            .await?;
    tx.commit().await?;
    Ok(Applied::Recorded { moved })
}
