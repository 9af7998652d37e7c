//! Payments as Mercado Pago reported them, and the anomalies the merchant must look at.

use sqlx::{Postgres, Transaction};

use crate::domain::{Money, OrderId, OrderStatus, PaymentId, PaymentStatus, StatusDetail};

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

/// Inserts the payment or refreshes what changed (status, refunds); the attempt that made it
/// is kept from its first write. Older news (approved after refunded) never overwrites newer.
/// True when it recorded a new outcome: the payment is new here, or its status changed.
pub async fn upsert(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    attempt_no: Option<i32>,
    payment: &PaymentRow<'_>,
) -> Result<bool, sqlx::Error> {
    let known = sqlx::query!(
        r#"select status as "status: PaymentStatus", status_detail as "status_detail: StatusDetail",
                  refunded_minor
           from payments where id = $1 for update"#,
        payment.id.0
    )
    .fetch_optional(&mut **tx)
    .await?;
    let refunded = payment.refunded_minor;
    let new_outcome = known.as_ref().is_none_or(|k| k.status != *payment.status);
    if let Some(known) = known {
        // A re-read that brings nothing new (most notifications) writes nothing.
        if known.status == *payment.status
            && known.status_detail == *payment.status_detail
            && known.refunded_minor == refunded
        {
            return Ok(false);
        }
        let was = OrderStatus::from_payment(&known.status, &known.status_detail);
        let now = OrderStatus::from_payment(payment.status, payment.status_detail);
        if was != now && !was.can_move_to(now) {
            tracing::info!(payment_id = %payment.id, was = %known.status, news = %payment.status, "payment keeps its newer state");
            return Ok(false);
        }
    }
    sqlx::query!(
        r#"insert into payments
           (id, order_id, attempt_no, status, status_detail, payment_method_id, payment_type_id,
            currency, amount_minor, refunded_minor, raw)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           on conflict (id) do update set status = excluded.status,
             status_detail = excluded.status_detail, refunded_minor = excluded.refunded_minor,
             raw = excluded.raw, updated_at = now()"#,
        payment.id.0,
        order_id.0,
        attempt_no,
        payment.status as &PaymentStatus,
        payment.status_detail as &StatusDetail,
        payment.payment_method_id,
        payment.payment_type_id,
        payment.amount.currency().code(),
        payment.amount.minor(),
        refunded,
        payment.raw
    )
    .execute(&mut **tx)
    .await?;
    Ok(new_outcome)
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
