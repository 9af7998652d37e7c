use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::domain::order_status::Source;
use crate::domain::{
    Money, OrderId, OrderStatus, PaymentId, PaymentStatus, ShopperId, Site, StatusDetail,
};

use super::money;
use super::payments::Known;
use super::products::Product;

#[derive(Debug, Clone)]
pub struct OrderLine {
    pub product_id: i64,
    pub name: String,
    pub unit_price: Money,
    pub quantity: i32,
    pub line_total: Money,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: OrderId,
    /// The short number shoppers and merchants read (`#1042`); the id stays internal.
    pub number: i64,
    pub status: OrderStatus,
    pub total: Money,
    pub lines: Vec<OrderLine>,
    pub created_at: OffsetDateTime,
    /// The cart the order was made from: while it is unchanged, checkout reuses the order.
    pub cart_fingerprint: String,
    /// The wallet preference, once made.
    pub preference_id: Option<String>,
    /// When that preference stops being payable.
    pub preference_expires_at: Option<OffsetDateTime>,
    /// When its prices were last checked against the catalog.
    pub priced_at: OffsetDateTime,
    /// It holds its limited units with time to spare, or is not waiting for a payment: no
    /// renewal needed (`db::stock::renew` answers the other case).
    pub stock_live: bool,
    /// Until when it holds its limited units (its current attempt's reservations' earliest
    /// end); `None` without limited products or a hold.
    pub held_until: Option<OffsetDateTime>,
    /// It holds physical goods, and whether their delivery was chosen.
    pub needs_delivery: bool,
    pub has_delivery: bool,
}

impl Order {
    /// Whether checkout may keep offering this order for a cart with `fingerprint`.
    pub fn reusable_for(&self, fingerprint: &str) -> bool {
        self.cart_fingerprint == fingerprint
            && !matches!(
                self.status,
                OrderStatus::Cancelled | OrderStatus::Refunded | OrderStatus::ChargedBack
            )
    }

    /// Whether every line still has the catalog's price (and the product is still for sale).
    /// Names may change without making the order stale.
    pub fn priced_as(&self, catalog: &[Product]) -> bool {
        priced_as(
            self.lines
                .iter()
                .map(|l| (l.product_id, l.unit_price.minor())),
            catalog,
        )
    }
}

/// Whether each `(product id, unit price in minor units)` is a product for sale at that price.
pub fn priced_as(mut lines: impl Iterator<Item = (i64, i64)>, catalog: &[Product]) -> bool {
    lines.all(|(product_id, minor)| {
        catalog
            .iter()
            .any(|p| p.id == product_id && p.price.minor() == minor)
    })
}

#[derive(Debug, Clone)]
pub struct PaymentRecord {
    pub id: PaymentId,
    pub status: PaymentStatus,
    pub status_detail: StatusDetail,
    pub payment_method_id: String,
    pub payment_type_id: Option<String>,
    pub amount: Money,
    /// Mercado Pago's whole answer: Pix codes, voucher links, expiry.
    pub raw: serde_json::Value,
}

/// Writes a new order and its lines, priced as given (the caller priced them from the catalog).
#[tracing::instrument(skip_all, fields(order_id = %id))]
pub async fn create(
    tx: &mut Transaction<'_, Postgres>,
    id: OrderId,
    shopper: ShopperId,
    site: Site,
    lines: &[OrderLine],
    total: Money,
    cart_fingerprint: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"insert into orders (id, shopper_id, site, currency, total_minor, cart_fingerprint)
           values ($1, $2, $3, $4, $5, $6)"#,
        id.0,
        shopper.0,
        site.id(),
        total.currency().code(),
        total.minor(),
        cart_fingerprint
    )
    .execute(&mut **tx)
    .await?;
    for (line_no, line) in lines.iter().enumerate() {
        sqlx::query!(
            r#"insert into order_items
               (order_id, line_no, product_id, name, unit_price_minor, quantity, line_total_minor)
               values ($1, $2, $3, $4, $5, $6, $7)"#,
            id.0,
            line_no as i32,
            line.product_id,
            line.name,
            line.unit_price.minor(),
            line.quantity,
            line.line_total.minor()
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The shopper's order, if it is theirs. Another shopper's order is simply not found.
/// One round trip: the order's columns repeat on each of its lines.
#[tracing::instrument(skip(executor))]
pub async fn find_for_shopper<'e, E>(
    executor: E,
    id: OrderId,
    shopper: ShopperId,
) -> Result<Option<Order>, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let rows = sqlx::query!(
        // The checkout page reads this on every load: what stock and delivery need to know of
        // the order comes in the same round trip (computed once, `materialized`).
        r#"with o as materialized (
               select o.*,
                      not (o.status in ('created', 'rejected')) or not exists (
                          select from order_items i join products p on p.id = i.product_id
                          left join stock_reservations r
                                 on r.order_id = i.order_id and r.product_id = i.product_id
                          where i.order_id = o.id and p.stock is not null
                            and (r.order_id is null or r.attempt <> o.attempts
                                 or r.expires_at <= now() + make_interval(secs => $3))
                      ) as stock_live,
                      (select min(r.expires_at) from stock_reservations r
                         join products p on p.id = r.product_id and p.stock is not null
                       where r.order_id = o.id and r.attempt = o.attempts) as held_until,
                      exists (select from order_items i join products p on p.id = i.product_id
                              where i.order_id = o.id and p.needs_delivery) as needs_delivery,
                      exists (select from order_deliveries d where d.order_id = o.id) as has_delivery
               from orders o where o.id = $1 and o.shopper_id = $2)
           select o.number as "number!", o.status as "status!: OrderStatus",
                  o.total_minor as "total_minor!", o.currency as "currency!",
                  o.created_at as "created_at!", o.cart_fingerprint as "cart_fingerprint!",
                  o.preference_id, o.preference_expires_at, o.priced_at as "priced_at!",
                  o.stock_live as "stock_live!", o.held_until,
                  o.needs_delivery as "needs_delivery!", o.has_delivery as "has_delivery!",
                  i.product_id, i.name, i.unit_price_minor, i.quantity, i.line_total_minor
           from o join order_items i on i.order_id = o.id
           order by i.line_no"#,
        id.0,
        shopper.0,
        super::stock::CLAIM_MARGIN.as_secs_f64()
    )
    .fetch_all(executor)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let lines = rows
        .iter()
        .map(|l| {
            Ok(OrderLine {
                product_id: l.product_id,
                name: l.name.clone(),
                unit_price: money(l.unit_price_minor, &l.currency)?,
                quantity: l.quantity,
                line_total: money(l.line_total_minor, &l.currency)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some(Order {
        id,
        number: first.number,
        status: first.status,
        total: money(first.total_minor, &first.currency)?,
        created_at: first.created_at,
        cart_fingerprint: first.cart_fingerprint.clone(),
        preference_id: first.preference_id.clone(),
        preference_expires_at: first.preference_expires_at,
        priced_at: first.priced_at,
        stock_live: first.stock_live,
        held_until: first.held_until,
        needs_delivery: first.needs_delivery,
        has_delivery: first.has_delivery,
        lines,
    }))
}

/// The newest payment Mercado Pago reported for the order.
pub async fn latest_payment<'e, E>(
    executor: E,
    id: OrderId,
) -> Result<Option<PaymentRecord>, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    sqlx::query!(
        r#"select id, status as "status: PaymentStatus", status_detail as "status_detail: StatusDetail",
                  payment_method_id, payment_type_id, amount_minor, currency, raw
           from payments where order_id = $1 order by created_at desc, id desc limit 1"#,
        id.0
    )
    .fetch_optional(executor)
    .await?
    .map(|r| {
        Ok(PaymentRecord {
            id: PaymentId(r.id),
            status: r.status,
            status_detail: r.status_detail,
            payment_method_id: r.payment_method_id,
            payment_type_id: r.payment_type_id,
            amount: money(r.amount_minor, &r.currency)?,
            raw: r.raw,
        })
    })
    .transpose()
}

/// An order as a payment's news needs it, locked until the transaction ends.
#[derive(Debug, Clone)]
pub struct PaymentTarget {
    pub id: OrderId,
    pub status: OrderStatus,
    /// The payment the order follows, if any.
    pub payment_id: Option<PaymentId>,
    /// The number of the newest attempt.
    pub attempts: i32,
    pub total: Money,
}

/// What both `payment_target` queries read: the order, and the payment if it is known here.
struct TargetRow {
    status: OrderStatus,
    payment_id: Option<i64>,
    attempts: i32,
    total_minor: i64,
    currency: String,
    known_status: Option<PaymentStatus>,
    known_status_detail: Option<StatusDetail>,
    known_refunded_minor: Option<i64>,
}

impl TargetRow {
    fn into_target(self, id: OrderId) -> Result<(PaymentTarget, Option<Known>), sqlx::Error> {
        let known = known(
            self.known_status,
            self.known_status_detail,
            self.known_refunded_minor,
        );
        let target = PaymentTarget {
            id,
            status: self.status,
            payment_id: self.payment_id.map(PaymentId),
            attempts: self.attempts,
            total: money(self.total_minor, &self.currency)?,
        };
        Ok((target, known))
    }
}

/// The order a payment's news is about, and the payment as recorded here (if it is), read
/// without a lock: enough to tell news that changes nothing, which then writes nothing.
pub async fn payment_target<'e, E>(
    executor: E,
    id: OrderId,
    payment_id: PaymentId,
) -> Result<Option<(PaymentTarget, Option<Known>)>, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    sqlx::query_as!(
        TargetRow,
        r#"select o.status as "status: OrderStatus", o.payment_id, o.attempts, o.total_minor,
                  o.currency, k.status as "known_status?: PaymentStatus",
                  k.status_detail as "known_status_detail?: StatusDetail",
                  k.refunded_minor as "known_refunded_minor?"
           from orders o left join payments k on k.id = $2
           where o.id = $1"#,
        id.0,
        payment_id.0
    )
    .fetch_optional(executor)
    .await?
    .map(|row| row.into_target(id))
    .transpose()
}

/// `payment_target` under the order's row lock, then the payment's, in that order (the order
/// first, as every writer of an order and its payments locks them), in one round trip.
pub async fn lock_payment_target(
    tx: &mut Transaction<'_, Postgres>,
    id: OrderId,
    payment_id: PaymentId,
) -> Result<Option<(PaymentTarget, Option<Known>)>, sqlx::Error> {
    // `exists (select from o)` mentions nothing of `payments`: the planner makes it a one-time
    // filter, evaluated (locking the order) before the payment is read and locked.
    sqlx::query_as!(
        TargetRow,
        r#"with o as (
               select status, payment_id, attempts, total_minor, currency
               from orders where id = $1 for update),
           k as (
               select status, status_detail, refunded_minor from payments
               where id = $2 and exists (select from o) for update)
           select o.status as "status!: OrderStatus", o.payment_id, o.attempts as "attempts!",
                  o.total_minor as "total_minor!", o.currency as "currency!",
                  k.status as "known_status?: PaymentStatus",
                  k.status_detail as "known_status_detail?: StatusDetail",
                  k.refunded_minor as "known_refunded_minor?"
           from o left join k on true"#,
        id.0,
        payment_id.0
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| row.into_target(id))
    .transpose()
}

fn known(
    status: Option<PaymentStatus>,
    status_detail: Option<StatusDetail>,
    refunded_minor: Option<i64>,
) -> Option<Known> {
    Some(Known {
        status: status?,
        status_detail: status_detail?,
        refunded_minor: refunded_minor?,
    })
}

/// Keeps the order's wallet preference and when it stops being payable.
pub async fn set_preference(
    pool: &PgPool,
    id: OrderId,
    preference_id: &str,
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update orders set preference_id = $2, preference_expires_at = $3 where id = $1",
        id.0,
        preference_id,
        expires_at
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Moves an order to `to` if the forward-only rule allows it, and writes the change to its
/// history. Returns false (and changes nothing) when the move would go backwards.
#[tracing::instrument(skip(tx))]
pub async fn transition(
    tx: &mut Transaction<'_, Postgres>,
    id: OrderId,
    to: OrderStatus,
    source: Source,
    payment_id: Option<PaymentId>,
    note: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let from = sqlx::query_scalar!(
        r#"select status as "status: OrderStatus" from orders where id = $1 for update"#,
        id.0
    )
    .fetch_one(&mut **tx)
    .await?;
    if !from.can_move_to(to) {
        if from != to {
            tracing::info!(
                from = %from,
                to = %to,
                "order stays: the news would move it backwards"
            );
        }
        return Ok(false);
    }
    // One round trip for the move and its history row.
    sqlx::query!(
        r#"with moved as (update orders set status = $3, updated_at = now() where id = $1)
           insert into order_history (order_id, from_status, to_status, source, payment_id, note)
           values ($1, $2, $3, $4, $5, $6)"#,
        id.0,
        from as OrderStatus,
        to as OrderStatus,
        source.as_str(),
        payment_id.map(|p| p.0),
        note
    )
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Cancels an order being replaced, only if it still waits for its payment (created, or its
/// last payment declined): a payment another tab started meanwhile wins, and the order stays.
pub async fn cancel_unpaid(
    tx: &mut Transaction<'_, Postgres>,
    id: OrderId,
    note: &str,
) -> Result<bool, sqlx::Error> {
    let status = sqlx::query_scalar!(
        r#"select status as "status: OrderStatus" from orders where id = $1 for update"#,
        id.0
    )
    .fetch_one(&mut **tx)
    .await?;
    if !status.accepts_payment() {
        return Ok(false);
    }
    transition(
        tx,
        id,
        OrderStatus::Cancelled,
        Source::Checkout,
        None,
        Some(note),
    )
    .await
}

/// Records that the order's prices were checked against the catalog and still hold.
pub async fn confirm_prices(pool: &PgPool, id: OrderId) -> Result<(), sqlx::Error> {
    sqlx::query!("update orders set priced_at = now() where id = $1", id.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// The order's lines, for a re-check of its prices at payment time.
pub async fn find_lines(pool: &PgPool, id: OrderId) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        "select product_id, unit_price_minor from order_items where order_id = $1",
        id.0
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.product_id, r.unit_price_minor))
        .collect())
}

/// Cancels orders left unpaid for `after` since they were priced, with no payment under way
/// and no wallet preference still payable; at most `limit` per call. Rows another instance
/// holds (a payment being claimed) are skipped, so a payment and an expiry never cross.
pub async fn expire_unpaid(
    pool: &PgPool,
    after: std::time::Duration,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"with due as (
               select id, status from orders
               where status in ('created', 'rejected')
                 and priced_at < now() - make_interval(secs => $1)
                 and (preference_expires_at is null or preference_expires_at < now())
               order by priced_at limit $2
               for update skip locked),
           moved as (
               update orders o set status = $3, updated_at = now()
               from due where o.id = due.id)
           insert into order_history (order_id, from_status, to_status, source, note)
           select id, status, $3, $4, 'expired unpaid' from due"#,
        after.as_secs_f64(),
        limit,
        OrderStatus::Cancelled as OrderStatus,
        Source::Reconciliation.as_str()
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// A line of an order with what the catalog says of its product now, for the payment's items.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PaymentLine {
    pub product_id: i64,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    pub description: Option<String>,
    pub category_id: Option<String>,
}

/// Where an order stands now.
pub async fn status_of(pool: &PgPool, id: OrderId) -> Result<OrderStatus, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select status as "status: OrderStatus" from orders where id = $1"#,
        id.0
    )
    .fetch_one(pool)
    .await
}

/// Any order, by id, whoever placed it (the back office's view).
pub async fn find_any(pool: &PgPool, id: OrderId) -> Result<Option<Order>, sqlx::Error> {
    find_any_on(&mut *pool.acquire().await?, id).await
}

/// [`find_any`] on a connection the caller holds for more reads.
pub async fn find_any_on(
    conn: &mut sqlx::PgConnection,
    id: OrderId,
) -> Result<Option<Order>, sqlx::Error> {
    let shopper = sqlx::query_scalar!("select shopper_id from orders where id = $1", id.0)
        .fetch_optional(&mut *conn)
        .await?;
    match shopper {
        Some(shopper) => find_for_shopper(&mut *conn, id, ShopperId(shopper)).await,
        None => Ok(None),
    }
}
