//! Delivery: the site's flat shipping options, and an order's address and chosen option.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::domain::{DeliveryAddress, Money, OrderId, ShopperId, Site};

use super::money;

/// A flat shipping option of the site, as the merchant configured it.
#[derive(Debug, Clone)]
pub struct ShippingOption {
    pub id: i64,
    pub name: String,
    pub price: Money,
    pub active: bool,
}

/// The site's shipping options; only the active ones unless `all`.
pub async fn shipping_options(
    pool: &PgPool,
    site: Site,
    all: bool,
) -> Result<Vec<ShippingOption>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, name, price_minor, currency, active from shipping_options
           where site = $1 and (active or $2) order by price_minor, id"#,
        site.id(),
        all
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ShippingOption {
                id: r.id,
                name: r.name,
                price: money(r.price_minor, &r.currency)?,
                active: r.active,
            })
        })
        .collect()
}

pub async fn create_shipping_option(
    pool: &PgPool,
    site: Site,
    name: &str,
    price: Money,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"insert into shipping_options (site, currency, name, price_minor)
           values ($1, $2, $3, $4) returning id"#,
        site.id(),
        price.currency().code(),
        name,
        price.minor()
    )
    .fetch_one(pool)
    .await
}

/// Offers the option again, or no longer (orders that chose it keep it). False: not found.
pub async fn set_shipping_option_active(
    pool: &PgPool,
    site: Site,
    id: i64,
    active: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "update shipping_options set active = $3, updated_at = now() where id = $1 and site = $2",
        id,
        site.id(),
        active
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An order's delivery: where, how, and how far the merchant got with it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub address: DeliveryAddress,
    /// The option chosen, while it exists.
    pub option_id: Option<i64>,
    pub shipping_name: String,
    pub shipping: Money,
    pub carrier: Option<String>,
    pub tracking_code: Option<String>,
    pub shipped_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
}

pub async fn delivery_of<'e, E>(
    executor: E,
    order_id: OrderId,
) -> Result<Option<Delivery>, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let Some(r) = sqlx::query!(
        r#"select d.address, d.shipping_option_id, d.shipping_name, d.shipping_minor, o.currency, d.carrier,
                  d.tracking_code, d.shipped_at, d.delivered_at
           from order_deliveries d join orders o on o.id = d.order_id where d.order_id = $1"#,
        order_id.0
    )
    .fetch_optional(executor)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Delivery {
        address: serde_json::from_value(r.address).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        option_id: r.shipping_option_id,
        shipping_name: r.shipping_name,
        shipping: money(r.shipping_minor, &r.currency)?,
        carrier: r.carrier,
        tracking_code: r.tracking_code,
        shipped_at: r.shipped_at,
        delivered_at: r.delivered_at,
    }))
}

/// What came of the shopper's choice of address and shipping option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    /// Recorded; the order's total (items plus shipping) is now this.
    Set(Money),
    /// Not an active option of this site (a tampered form, or one withdrawn meanwhile).
    UnknownOption,
    /// The order's total is fixed: a payment was tried, or it is no longer open.
    Fixed,
}

/// Records the order's delivery and sets its total to its items plus the option's price, in
/// one statement, only while the order is the shopper's, `created`, and has had no payment
/// attempt: once an amount was sent to Mercado Pago the total never changes. The price is the
/// database's, never the form's. The wallet preference (made for the old total) is dropped.
pub async fn choose(
    pool: &PgPool,
    order_id: OrderId,
    shopper: ShopperId,
    site: Site,
    address: &DeliveryAddress,
    option_id: i64,
) -> Result<Chosen, sqlx::Error> {
    let address = serde_json::to_value(address).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let row = sqlx::query!(
        r#"with s as (
               select id, name, price_minor from shipping_options
               where id = $3 and site = $4 and active),
           o as (
               select id, currency from orders
               where id = $1 and shopper_id = $2
                 -- Before any payment was tried; or, for an order paid for nothing yet that
                 -- has no delivery (a product became physical after a declined attempt).
                 and (status = 'created' and attempts = 0
                      or status in ('created', 'rejected')
                         and not exists (select from order_deliveries where order_id = $1))
               for update),
           d as (
               insert into order_deliveries (order_id, address, shipping_option_id, shipping_name,
                                             shipping_minor)
               select o.id, $5, s.id, s.name, s.price_minor from o, s
               on conflict (order_id) do update
               set address = excluded.address, shipping_option_id = excluded.shipping_option_id,
                   shipping_name = excluded.shipping_name,
                   shipping_minor = excluded.shipping_minor, updated_at = now()
               returning order_id, shipping_minor),
           t as (
               update orders set preference_id = null, preference_expires_at = null,
                      updated_at = now(),
                      total_minor = d.shipping_minor + (
                          select sum(line_total_minor) from order_items where order_id = d.order_id)
               from d where orders.id = d.order_id
               returning orders.total_minor)
           select (select count(*) from s) as "option_ok!", (select count(*) from o) as "open_ok!",
                  (select total_minor from t) as total_minor,
                  (select currency from o) as currency"#,
        order_id.0,
        shopper.0,
        option_id,
        site.id(),
        address
    )
    .fetch_one(pool)
    .await?;
    if row.option_ok == 0 {
        return Ok(Chosen::UnknownOption);
    }
    match (row.total_minor, row.currency) {
        (Some(total), Some(currency)) => Ok(Chosen::Set(money(total, &currency)?)),
        _ => Ok(Chosen::Fixed),
    }
}

/// Whether the product is physical; `None`: no such product.
pub async fn product_needs_delivery(pool: &PgPool, id: i64) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar!("select needs_delivery from products where id = $1", id)
        .fetch_optional(pool)
        .await
}

/// Marks the product physical (orders of it ask for a delivery) or digital.
pub async fn set_needs_delivery(pool: &PgPool, id: i64, needs: bool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update products set needs_delivery = $2, updated_at = now() where id = $1",
        id,
        needs
    )
    .execute(pool)
    .await?;
    Ok(())
}
