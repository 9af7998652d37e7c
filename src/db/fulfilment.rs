//! Fulfilment: the merchant marks a paid order's delivery shipped (carrier, tracking code) or
//! delivered, and the shopper is told.

use sqlx::{PgPool, Postgres, Transaction};

use crate::domain::OrderId;

/// What happened to an order's delivery, for the shopper's e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfilmentEvent {
    Shipped,
    Delivered,
}

/// What came of the merchant's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    Done,
    /// The order is not paid (or was refunded, or charged back): nothing to send.
    NotPaid,
    /// The order has no delivery (digital goods only) or does not exist.
    NoDelivery,
}

/// Marks the order shipped with `carrier` and `tracking_code` (again: corrects them, keeps the
/// first shipping time). Only a paid order ships.
#[tracing::instrument(skip(pool, carrier, tracking_code))]
pub async fn mark_shipped(
    pool: &PgPool,
    order_id: OrderId,
    carrier: &str,
    tracking_code: &str,
) -> Result<Marked, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"with o as (select id, status in ('paid', 'partially_refunded') as paid from orders
                      where id = $1 for update),
           m as (update order_deliveries d
                 set carrier = $2, tracking_code = $3, shipped_at = coalesce(d.shipped_at, now()),
                     updated_at = now()
                 from o where d.order_id = o.id and o.paid
                 returning d.order_id)
           select (select paid from o) as paid,
                  exists (select from order_deliveries where order_id = $1) as "has_delivery!",
                  exists (select from m) as "marked!""#,
        order_id.0,
        carrier,
        tracking_code
    )
    .fetch_one(&mut *tx)
    .await?;
    let marked = outcome(row.paid, row.has_delivery, row.marked);
    if marked == Marked::Done {
        notify_shopper(&mut tx, order_id, FulfilmentEvent::Shipped).await?;
    }
    tx.commit().await?;
    Ok(marked)
}

/// Marks the order delivered (and shipped, if the merchant skipped that step).
#[tracing::instrument(skip(pool))]
pub async fn mark_delivered(pool: &PgPool, order_id: OrderId) -> Result<Marked, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"with o as (select id, status in ('paid', 'partially_refunded') as paid from orders
                      where id = $1 for update),
           m as (update order_deliveries d
                 set shipped_at = coalesce(d.shipped_at, now()),
                     delivered_at = coalesce(d.delivered_at, now()), updated_at = now()
                 from o where d.order_id = o.id and o.paid
                 returning d.order_id)
           select (select paid from o) as paid,
                  exists (select from order_deliveries where order_id = $1) as "has_delivery!",
                  exists (select from m) as "marked!""#,
        order_id.0
    )
    .fetch_one(&mut *tx)
    .await?;
    let marked = outcome(row.paid, row.has_delivery, row.marked);
    if marked == Marked::Done {
        notify_shopper(&mut tx, order_id, FulfilmentEvent::Delivered).await?;
    }
    tx.commit().await?;
    Ok(marked)
}

fn outcome(paid: Option<bool>, has_delivery: bool, marked: bool) -> Marked {
    match (paid, has_delivery, marked) {
        (_, _, true) => Marked::Done,
        (None, _, _) | (_, false, _) => Marked::NoDelivery,
        _ => Marked::NotPaid,
    }
}

/// The one place the shopper's "shipped" / "delivered" e-mail is queued, in the transaction
/// that marked the order, so the e-mail is sent if and only if the change is committed. It
/// goes to the payer of the order's approved payment; an order marked twice mails once.
async fn notify_shopper(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    event: FulfilmentEvent,
) -> Result<(), sqlx::Error> {
    let email = sqlx::query_scalar!(
        r#"select p.raw->'payer'->>'email' as "email?" from payments p
           where p.order_id = $1 and p.status in ('approved', 'partially_refunded')
             and p.raw->'payer'->>'email' is not null
           order by p.updated_at desc limit 1"#,
        order_id.0
    )
    .fetch_optional(&mut **tx)
    .await?
    .flatten();
    let Some(email) = email else {
        tracing::warn!(order_id = %order_id, event = ?event, "no payer e-mail to tell about the delivery");
        return Ok(());
    };
    let step = match event {
        FulfilmentEvent::Shipped => "shipped",
        FulfilmentEvent::Delivered => "delivered",
    };
    super::outbox::queue(
        &mut **tx,
        &super::outbox::NewMail {
            kind: super::outbox::kind::FULFILMENT,
            order_id,
            payment_id: None,
            event_status: step,
            recipient: Some(&email),
        },
    )
    .await?;
    Ok(())
}

/// Paid orders with a delivery not shipped yet: the dashboard's "to ship".
pub async fn to_ship_count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from order_deliveries d join orders o on o.id = d.order_id
           where d.shipped_at is null and o.status in ('paid', 'partially_refunded')"#
    )
    .fetch_one(pool)
    .await
}
