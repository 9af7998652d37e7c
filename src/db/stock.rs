//! Stock: the units an order holds of products with a limited stock.
//!
//! The database decides, across instances: the writers here lock the order's limited products
//! (`for no key update`, in id order, so two checkouts never deadlock; not `for update`, which
//! would wait on the key-share lock each checkout's own `order_items` foreign key took, and
//! deadlock two checkouts of one product), then count what the other
//! orders hold in a *later* statement (under READ COMMITTED each statement sees what was
//! committed before it began, so the count includes every reservation whose writer held the
//! lock before us), then insert. Nothing else writes stock: a payment's outcome releases or
//! consumes the units through the order's status (`stock_holds`, in the migration), which keeps
//! the payment path's writes (the claim, the outcome) single statements.

use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};

use crate::domain::OrderId;

/// A claim only proceeds on a reservation with at least this much time left, and renewing
/// treats one with less as lapsed: the claim's statement moves the order to `processing`
/// (which holds the units with no end) well within it, so a reservation never lapses between
/// the claim's check and its write.
pub const CLAIM_MARGIN: Duration = Duration::from_secs(60);

/// Not enough units left of this product (its name as the catalog has it now).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldOut {
    pub product: String,
}

/// Takes the units of a new order (status `created`, no attempt yet) in the transaction that
/// writes it: the caller rolls back on `Err(SoldOut)`.
#[tracing::instrument(skip(tx))]
pub async fn reserve(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    hold: Duration,
) -> Result<Result<(), SoldOut>, sqlx::Error> {
    take(tx, order_id, 0, hold).await
}

/// Makes sure an order waiting to be paid holds its units: nothing to do while its
/// reservation is live (with `CLAIM_MARGIN` to spare) or while it is not waiting for a
/// payment; otherwise (expired, or released by a declined or failed attempt) takes them again
/// for `hold` if they are still there.
#[tracing::instrument(skip(pool))]
pub async fn renew(
    pool: &PgPool,
    order_id: OrderId,
    hold: Duration,
) -> Result<Result<(), SoldOut>, sqlx::Error> {
    // Checkout pages are reloaded often: a read without a lock settles the common cases (a
    // live reservation, only unlimited products, an order not waiting for a payment).
    let live = sqlx::query_scalar!(
        r#"select not (o.status in ('created', 'rejected')) or not exists (
                      select from order_items i join products p on p.id = i.product_id
                      left join stock_reservations r
                             on r.order_id = i.order_id and r.product_id = i.product_id
                      where i.order_id = o.id and p.stock is not null
                        and (r.order_id is null or r.attempt <> o.attempts
                             or r.expires_at <= now() + make_interval(secs => $2))
                  ) as "live!"
           from orders o where o.id = $1"#,
        order_id.0,
        CLAIM_MARGIN.as_secs_f64()
    )
    .fetch_optional(pool)
    .await?;
    if live != Some(false) {
        return Ok(Ok(()));
    }
    let mut tx = pool.begin().await?;
    // Lapsed: again under the order's lock (taken first, as every writer of an order takes
    // it), so that a claim or another renewal of this order waits for us.
    let row = sqlx::query!(
        r#"select o.attempts,
                  o.status in ('created', 'rejected') as "waiting!",
                  not exists (
                      select from order_items i join products p on p.id = i.product_id
                      left join stock_reservations r
                             on r.order_id = i.order_id and r.product_id = i.product_id
                      where i.order_id = o.id and p.stock is not null
                        and (r.order_id is null or r.attempt <> o.attempts
                             or r.expires_at <= now() + make_interval(secs => $2))
                  ) as "live!"
           from orders o where o.id = $1 for update of o"#,
        order_id.0,
        CLAIM_MARGIN.as_secs_f64()
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Ok(()));
    };
    if !row.waiting || row.live {
        return Ok(Ok(()));
    }
    let taken = take(&mut tx, order_id, row.attempts, hold).await?;
    if taken.is_ok() {
        tx.commit().await?;
        tracing::info!(order_id = %order_id, "lapsed reservation taken again");
    }
    Ok(taken)
}

/// Locks the order's limited products, checks that the other orders leave enough of each,
/// and writes (or refreshes) the order's reservations for `attempt`.
async fn take(
    tx: &mut Transaction<'_, Postgres>,
    order_id: OrderId,
    attempt: i32,
    hold: Duration,
) -> Result<Result<(), SoldOut>, sqlx::Error> {
    let locked = sqlx::query_scalar!(
        r#"select id from products
           where stock is not null
             and id in (select product_id from order_items where order_id = $1)
           order by id for no key update"#,
        order_id.0
    )
    .fetch_all(&mut **tx)
    .await?;
    if locked.is_empty() {
        // Only unlimited products: nothing to hold, no lock taken.
        return Ok(Ok(()));
    }
    // A statement of its own, after the locks: its snapshot sees every reservation committed
    // by whoever held them before.
    let short = sqlx::query_scalar!(
        r#"select p.name from products p
           join (select product_id, sum(quantity) as wanted from order_items
                 where order_id = $1 group by product_id) w on w.product_id = p.id
           where p.stock is not null
             and p.stock - coalesce((select sum(h.quantity) from stock_holds h
                                     where h.product_id = p.id and h.order_id <> $1), 0)
                 < w.wanted
           order by p.id limit 1"#,
        order_id.0
    )
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(product) = short {
        tracing::info!(order_id = %order_id, product = %product, "sold out");
        return Ok(Err(SoldOut { product }));
    }
    sqlx::query!(
        r#"insert into stock_reservations (order_id, product_id, quantity, attempt, expires_at)
           select $1, i.product_id, sum(i.quantity), $2, now() + make_interval(secs => $3)
           from order_items i join products p on p.id = i.product_id
           where i.order_id = $1 and p.stock is not null
           group by i.product_id
           on conflict (order_id, product_id) do update
           set quantity = excluded.quantity, attempt = excluded.attempt,
               expires_at = excluded.expires_at, updated_at = now()"#,
        order_id.0,
        attempt,
        hold.as_secs_f64()
    )
    .execute(&mut **tx)
    .await?;
    Ok(Ok(()))
}

/// A product's units as the back office shows them.
#[derive(Debug, Clone, Copy, Default)]
pub struct StockLevel {
    /// Units left to sell, counting those reserved; `None`: unlimited.
    pub on_hand: Option<i64>,
    /// Held by orders waiting for or in the middle of a payment.
    pub reserved: i64,
    /// Consumed by paid orders.
    pub sold: i64,
}

impl StockLevel {
    /// Units a new order may still take; `None`: unlimited.
    pub fn available(&self) -> Option<i64> {
        self.on_hand.map(|n| n - self.reserved)
    }
}

/// Every product's stock, reservations and sales, by product id.
pub async fn levels(pool: &PgPool) -> Result<Vec<(i64, StockLevel)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select p.id, p.stock,
                  coalesce(sum(h.quantity) filter (where not h.sold), 0)::bigint as "reserved!",
                  coalesce(sum(h.quantity) filter (where h.sold), 0)::bigint as "sold!"
           from products p left join stock_holds h on h.product_id = p.id
           group by p.id order by p.id"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.id,
                StockLevel {
                    on_hand: r.stock.map(|s| i64::from(s) - r.sold),
                    reserved: r.reserved,
                    sold: r.sold,
                },
            )
        })
        .collect())
}

/// The merchant's count of units left to sell (`None`: unlimited). Stored as that plus the
/// units already sold, under the product's lock so a sale landing meanwhile is counted.
/// False: no such product.
pub async fn set_on_hand(
    pool: &PgPool,
    product_id: i64,
    on_hand: Option<i32>,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let found = sqlx::query_scalar!(
        "select id from products where id = $1 for no key update",
        product_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        r#"update products set updated_at = now(),
               stock = $2 + (select coalesce(sum(quantity), 0) from stock_holds
                             where product_id = $1 and sold)::integer
           where id = $1"#,
        product_id,
        on_hand
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
