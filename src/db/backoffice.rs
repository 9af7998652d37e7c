//! What the back office reads: orders with filters, an order's full story, the dashboard.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{
    Currency, ItemCategory, Money, OrderStatus, PaymentId, PaymentStatus, Site, StatusDetail,
};

use super::money;

#[derive(Debug, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub site: Option<Site>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// An order id, a payment id or a payer's email.
    pub search: Option<String>,
    /// Only paid orders with a delivery not shipped yet.
    pub to_ship: bool,
}

pub struct OrderRow {
    pub id: Uuid,
    /// The short number the merchant reads (`#1042`).
    pub number: i64,
    pub created_at: OffsetDateTime,
    pub status: OrderStatus,
    pub total: Money,
    pub payer_email: String,
    pub payment_id: Option<PaymentId>,
    /// Physical goods: where to, how, and how far the merchant got (for the CSV).
    pub delivery: Option<DeliveryColumns>,
}

/// An order's delivery as the CSV shows it.
pub struct DeliveryColumns {
    pub address: String,
    pub shipping_name: String,
    pub shipping: Money,
    pub carrier: String,
    pub tracking_code: String,
    pub shipped_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
}

pub async fn orders(
    pool: &PgPool,
    f: &OrderFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select o.id, o.number, o.created_at, o.status as "status: OrderStatus", o.total_minor, o.currency,
             (select p.raw->'payer'->>'email' from payments p where p.order_id = o.id
               order by p.created_at desc limit 1) as payer_email,
             (select p.id from payments p where p.order_id = o.id order by p.created_at desc limit 1) as payment_id,
             d.address as "address?", d.shipping_name as "shipping_name?",
             d.shipping_minor as "shipping_minor?", d.carrier as "carrier?",
             d.tracking_code as "tracking_code?", d.shipped_at as "shipped_at?",
             d.delivered_at as "delivered_at?"
           from orders o left join order_deliveries d on d.order_id = o.id
           where ($1::text is null or o.status = $1)
             and (not $8 or (d.order_id is not null and d.shipped_at is null
                             and o.status in ('paid', 'partially_refunded')))
             and ($2::timestamptz is null or o.created_at >= $2)
             and ($3::timestamptz is null or o.created_at < $3)
             and ($4::text is null or o.id::text = $4 or '#' || o.number = $4 or o.number::text = $4 or exists (
                   select 1 from payments p where p.order_id = o.id
                     and (p.id::text = $4 or lower(p.raw->'payer'->>'email') = lower($4))))
             and ($7::text is null or o.site = $7)
           order by o.created_at desc, o.id limit $5 offset $6"#,
        f.status as Option<OrderStatus>,
        f.from,
        f.until,
        f.search,
        limit,
        offset,
        f.site.map(Site::id),
        f.to_ship
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(OrderRow {
                id: r.id,
                number: r.number,
                created_at: r.created_at,
                status: r.status,
                total: money(r.total_minor, &r.currency)?,
                payer_email: r.payer_email.unwrap_or_default(),
                payment_id: r.payment_id.map(PaymentId),
                delivery: match (r.address, r.shipping_name, r.shipping_minor) {
                    (Some(address), Some(shipping_name), Some(shipping_minor)) => {
                        Some(DeliveryColumns {
                            address: serde_json::from_value::<crate::domain::DeliveryAddress>(
                                address,
                            )
                            .map(|a| a.one_line())
                            .unwrap_or_default(),
                            shipping_name,
                            shipping: money(shipping_minor, &r.currency)?,
                            carrier: r.carrier.unwrap_or_default(),
                            tracking_code: r.tracking_code.unwrap_or_default(),
                            shipped_at: r.shipped_at,
                            delivered_at: r.delivered_at,
                        })
                    }
                    _ => None,
                },
            })
        })
        .collect()
}

pub struct PaymentRow {
    pub id: PaymentId,
    pub status: PaymentStatus,
    pub status_detail: StatusDetail,
    pub payment_method_id: String,
    pub amount: Money,
    pub refunded: Money,
    pub created_at: OffsetDateTime,
}

impl PaymentRow {
    /// What has not been given back yet.
    pub fn remaining(&self) -> Money {
        self.amount
            .checked_sub(self.refunded)
            .unwrap_or(Money::zero(self.amount.currency()))
    }

    /// What can still be refunded: approved, and not all given back.
    pub fn refundable(&self) -> Option<Money> {
        let remaining = self.remaining();
        (self.status == PaymentStatus::Approved && remaining.minor() > 0).then_some(remaining)
    }
}

/// The order's latest approved payment (of `payments`, oldest first), or payment `only`
/// when it is approved: the one a refund gives back.
pub fn latest_approved(payments: &[PaymentRow], only: Option<PaymentId>) -> Option<&PaymentRow> {
    payments
        .iter()
        .rev()
        .filter(|p| only.is_none_or(|id| id == p.id))
        .find(|p| p.status == PaymentStatus::Approved)
}

/// The order's latest payment Mercado Pago can still cancel.
pub fn latest_cancellable(payments: &[PaymentRow]) -> Option<&PaymentRow> {
    payments.iter().rev().find(|p| p.status.is_cancellable())
}

pub async fn payments(pool: &PgPool, order_id: Uuid) -> Result<Vec<PaymentRow>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, status as "status: PaymentStatus", status_detail as "status_detail: StatusDetail",
                  payment_method_id, amount_minor, refunded_minor, currency, created_at
           from payments where order_id = $1 order by created_at, id"#,
        order_id
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PaymentRow {
                id: PaymentId(r.id),
                status: r.status,
                status_detail: r.status_detail,
                payment_method_id: r.payment_method_id,
                amount: money(r.amount_minor, &r.currency)?,
                refunded: money(r.refunded_minor, &r.currency)?,
                created_at: r.created_at,
            })
        })
        .collect()
}

pub struct HistoryRow {
    pub at: OffsetDateTime,
    pub from_status: OrderStatus,
    pub to_status: OrderStatus,
    pub source: String,
    pub note: String,
}

pub async fn history(pool: &PgPool, order_id: Uuid) -> Result<Vec<HistoryRow>, sqlx::Error> {
    sqlx::query_as!(
        HistoryRow,
        r#"select created_at as at, from_status as "from_status: OrderStatus",
                  to_status as "to_status: OrderStatus", source, coalesce(note, '') as "note!"
           from order_history where order_id = $1 order by id"#,
        order_id
    )
    .fetch_all(pool)
    .await
}

pub struct AnomalyRow {
    pub id: i64,
    pub order_id: Option<Uuid>,
    /// The order's short number, as the merchant reads it.
    pub order_number: Option<i64>,
    pub payment_id: Option<PaymentId>,
    pub kind: String,
    pub detail: String,
    pub at: OffsetDateTime,
}

pub async fn anomalies(
    pool: &PgPool,
    order_id: Option<Uuid>,
) -> Result<Vec<AnomalyRow>, sqlx::Error> {
    sqlx::query_as!(
        AnomalyRow,
        r#"select a.id, a.order_id, o.number as "order_number?", a.payment_id as "payment_id: PaymentId",
                  a.kind, a.detail, a.created_at as at
           from anomalies a left join orders o on o.id = a.order_id
           where a.resolved_at is null and ($1::uuid is null or a.order_id = $1)
           order by a.id desc limit 50"#,
        order_id
    )
    .fetch_all(pool)
    .await
}

/// Marks an open anomaly handled by `admin_id`; its order, if it has one, for the redirect.
/// `None` when there is no such open anomaly (already handled, or never was).
pub async fn resolve_anomaly(
    pool: &PgPool,
    id: i64,
    admin_id: i64,
) -> Result<Option<Option<Uuid>>, sqlx::Error> {
    let row = sqlx::query!(
        r#"update anomalies set resolved_at = now(), resolved_by = $2
           where id = $1 and resolved_at is null returning order_id"#,
        id,
        admin_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| r.order_id))
}

pub struct Dashboard {
    pub paid_today: Money,
    pub paid_30_days: Money,
    pub by_status: Vec<(OrderStatus, i64)>,
    /// Pending payments whose expiry is within a day: (order, payment, expiry text).
    pub expiring: Vec<(Uuid, PaymentId, String)>,
}

pub async fn dashboard(pool: &PgPool, currency: Currency) -> Result<Dashboard, sqlx::Error> {
    let sums = sqlx::query!(
        r#"select
             coalesce(sum(total_minor) filter (where updated_at >= date_trunc('day', now())), 0)::bigint as "today!",
             coalesce(sum(total_minor) filter (where updated_at >= now() - interval '30 days'), 0)::bigint as "month!"
           from orders where status in ('paid', 'partially_refunded') and currency = $1"#,
        currency.code()
    )
    .fetch_one(pool)
    .await?;
    let by_status = sqlx::query!(
        r#"select status as "status: OrderStatus", count(*) as "n!" from orders
           group by status order by status"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.status, r.n))
    .collect();
    let expiring = sqlx::query!(
        r#"select order_id, id, raw->>'date_of_expiration' as "expires!" from payments
           where status = 'pending' and raw->>'date_of_expiration' ~ '^\d{4}-\d{2}-\d{2}T'
             and (raw->>'date_of_expiration')::timestamptz < now() + interval '24 hours'
           order by (raw->>'date_of_expiration')::timestamptz limit 50"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.order_id, PaymentId(r.id), r.expires))
    .collect();
    Ok(Dashboard {
        paid_today: Money::from_minor(sums.today, currency).unwrap_or(Money::zero(currency)),
        paid_30_days: Money::from_minor(sums.month, currency).unwrap_or(Money::zero(currency)),
        by_status,
        expiring,
    })
}

pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub image_url: String,
    pub price: Money,
    pub active: bool,
    /// Mercado Pago's item category; a value the list no longer knows reads as none.
    pub category: Option<ItemCategory>,
}

/// The catalog in the store's currency.
pub async fn products(pool: &PgPool, currency: Currency) -> Result<Vec<ProductRow>, sqlx::Error> {
    product_rows(pool, currency, None).await
}

/// One product of the catalog in the store's currency.
pub async fn product(
    pool: &PgPool,
    currency: Currency,
    id: i64,
) -> Result<Option<ProductRow>, sqlx::Error> {
    Ok(product_rows(pool, currency, Some(id)).await?.pop())
}

async fn product_rows(
    pool: &PgPool,
    currency: Currency,
    id: Option<i64>,
) -> Result<Vec<ProductRow>, sqlx::Error> {
    sqlx::query!(
        r#"select id, name, description, image_url, price_minor, currency, active, category_id
           from products where currency = $1 and ($2::bigint is null or id = $2) order by id"#,
        currency.code(),
        id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(ProductRow {
            id: r.id,
            name: r.name,
            description: r.description,
            image_url: r.image_url.unwrap_or_default(),
            price: money(r.price_minor, &r.currency)?,
            active: r.active,
            category: r
                .category_id
                .as_deref()
                .and_then(|c| ItemCategory::parse(c).ok()),
        })
    })
    .collect()
}

pub struct ProductInput {
    pub name: String,
    pub description: String,
    pub image_url: Option<String>,
    pub price: Money,
    pub active: bool,
    pub category: Option<ItemCategory>,
}

pub async fn create_product(pool: &PgPool, p: &ProductInput) -> Result<i64, sqlx::Error> {
    let slug = format!("p-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    sqlx::query_scalar!(
        r#"insert into products (slug, name, description, image_url, currency, price_minor, active, category_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"#,
        slug,
        p.name,
        p.description,
        p.image_url,
        p.price.currency().code(),
        p.price.minor(),
        p.active,
        p.category.map(ItemCategory::as_str)
    )
    .fetch_one(pool)
    .await
}

/// Changes the catalog only: orders keep the prices they copied when they were placed.
pub async fn update_product(pool: &PgPool, id: i64, p: &ProductInput) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"update products set name = $2, description = $3, image_url = $4, price_minor = $5, active = $6,
             category_id = $8, updated_at = now() where id = $1 and currency = $7"#,
        id,
        p.name,
        p.description,
        p.image_url,
        p.price.minor(),
        p.active,
        p.price.currency().code(),
        p.category.map(ItemCategory::as_str)
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A refund asked for once per key: `None` when the key was already used.
pub async fn claim_refund(
    pool: &PgPool,
    key: &str,
    payment_id: PaymentId,
    order_id: Uuid,
    amount: Money,
    admin_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    // The order row is locked first, as `payments::apply` locks it before the payment row:
    // otherwise this insert's foreign-key checks (payment row, then order row) and a
    // concurrent apply (order, then payment) can deadlock, and the merchant gets an error.
    sqlx::query_scalar!(
        r#"with locked as (select id from orders where id = $3 for key share)
           insert into refunds (idempotency_key, payment_id, order_id, amount_minor, state, admin_id)
           select $1, $2, locked.id, $4, 'requested', $5 from locked
           on conflict (idempotency_key) do nothing returning id"#,
        key,
        payment_id.0,
        order_id,
        amount.minor(),
        admin_id
    )
    .fetch_optional(pool)
    .await
}

pub async fn finish_refund(
    pool: &PgPool,
    id: i64,
    mp_refund_id: Option<i64>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update refunds set state = $2, mp_refund_id = $3, error = $4, updated_at = now() where id = $1",
        id,
        if error.is_some() { "failed" } else { "done" },
        mp_refund_id,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}
