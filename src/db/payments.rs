//! Payments as Mercado Pago reported them, and the anomalies the merchant must look at.

use sqlx::{Postgres, Transaction};

use crate::domain::{Money, OrderId, OrderStatus};
use crate::mercadopago::Payment;

/// Inserts the payment or refreshes what changed (status, refunds); the attempt that made it
/// is kept from its first write. Older news (approved after refunded) never overwrites newer.
/// True when it recorded a new outcome: the payment is new here, or its status changed.
pub async fn upsert(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    attempt_no: Option<i32>,
    payment: &Payment,
    amount: Money,
) -> Result<bool, sqlx::Error> {
    let known = sqlx::query!(
        "select status, status_detail, refunded_minor from payments where id = $1 for update",
        payment.id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let refunded = payment
        .transaction_amount_refunded
        .as_ref()
        .and_then(|n| Money::parse_decimal(&n.to_string(), amount.currency()).ok())
        .map(Money::minor)
        .unwrap_or(0);
    let new_outcome = known.as_ref().is_none_or(|k| k.status != payment.status);
    if let Some(known) = known {
        // A re-read that brings nothing new (most notifications) writes nothing.
        if known.status == payment.status
            && known.status_detail == payment.status_detail()
            && known.refunded_minor == refunded
        {
            return Ok(false);
        }
        let was = OrderStatus::from_payment(&known.status, &known.status_detail);
        let now = OrderStatus::from_payment(&payment.status, payment.status_detail());
        if was != now && !was.can_move_to(now) {
            tracing::info!(payment_id = payment.id, was = %known.status, news = %payment.status, "payment keeps its newer state");
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
        payment.id,
        order_id.0,
        attempt_no,
        payment.status,
        payment.status_detail(),
        payment.payment_method_id.as_deref().unwrap_or(""),
        payment.payment_type_id.as_deref(),
        amount.currency().code(),
        amount.minor(),
        refunded,
        payment.raw
    )
    .execute(&mut **tx)
    .await?;
    Ok(new_outcome)
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
    payment_id: i64,
    kind: AnomalyKind,
    detail: &str,
) -> Result<(), sqlx::Error> {
    tracing::error!(
        payment_id,
        kind = kind.as_str(),
        detail,
        "payment flagged for the merchant"
    );
    sqlx::query!(
        r#"insert into anomalies (order_id, payment_id, kind, detail) values ($1, $2, $3, $4)
           on conflict (payment_id, kind) do nothing"#,
        order_id.map(|o| o.0),
        payment_id,
        kind.as_str(),
        detail
    )
    .execute(pool)
    .await?;
    Ok(())
}
