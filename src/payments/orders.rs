//! Placing an order for a priced cart (replacing an open one whose prices changed), and the
//! order's wallet preference.

use std::time::Duration;

use sqlx::PgPool;

use crate::db::orders::{self, Order, OrderLine};
use crate::db::stock::{self, SoldOut};
use crate::domain::{Money, OrderId, ShopperId, Site};
use crate::mercadopago::{BackUrls, CreatePreference, MercadoPagoClient, PreferenceItem};

pub struct NewOrder<'a> {
    pub shopper: ShopperId,
    pub site: Site,
    pub lines: &'a [OrderLine],
    pub total: Money,
    pub fingerprint: &'a str,
    /// An open order whose prices changed: cancelled in the same transaction.
    pub replaces: Option<OrderId>,
    /// How long the order holds its units of products with a stock.
    pub hold: Duration,
}

pub enum Placed {
    New(Order),
    /// The order to be replaced is being paid in another tab right now: that payment decides,
    /// on the result page, and no new order is placed.
    BeingPaid(Order),
    /// Not enough units of a product are left: no order was placed (nothing was written).
    SoldOut(SoldOut),
}

pub async fn place(pool: &PgPool, new: NewOrder<'_>) -> Result<Placed, sqlx::Error> {
    let id = OrderId::new();
    let mut tx = pool.begin().await?;
    if let Some(old) = new.replaces {
        if !orders::cancel_unpaid(&mut tx, old, "replaced: prices changed").await? {
            drop(tx);
            return match orders::find_for_shopper(pool, old, new.shopper).await? {
                Some(order) => Ok(Placed::BeingPaid(order)),
                None => Err(sqlx::Error::RowNotFound),
            };
        }
    }
    orders::create(
        &mut tx,
        id,
        new.shopper,
        new.site,
        new.lines,
        new.total,
        new.fingerprint,
    )
    .await?;
    // In the order's own transaction: no order exists whose units were not there.
    if let Err(sold_out) = stock::reserve(&mut tx, id, new.hold).await? {
        drop(tx);
        return Ok(Placed::SoldOut(sold_out));
    }
    tx.commit().await?;
    tracing::info!(order_id = %id, total = %new.total.to_decimal_string(), replaces = ?new.replaces, "order placed");
    orders::find_for_shopper(pool, id, new.shopper)
        .await?
        .map(Placed::New)
        .ok_or(sqlx::Error::RowNotFound)
}

/// A preference this close to its end is replaced, so the shopper has time to pay with it.
const PREFERENCE_MARGIN: time::Duration = time::Duration::minutes(10);
/// For an order holding limited units the preference ends with the hold, so the shopper is
/// given what is left of it, down to this.
const HELD_PREFERENCE_MARGIN: time::Duration = time::Duration::minutes(2);
/// A preference of held units ends this long before the hold: Mercado Pago's clock and a
/// payment being approved at the last moment.
const HOLD_SLACK: time::Duration = time::Duration::minutes(1);

pub struct PreferenceTerms {
    /// How long the preference stays payable.
    pub expiration: Duration,
    /// Where Mercado Pago sends the shopper back (success, failure and pending alike).
    pub back: String,
    pub notification_url: Option<String>,
    /// Physical goods: the shipping option's name and price, part of the order's total, so an
    /// item of the preference too (the wallet charges the items' sum).
    pub shipping: Option<(String, crate::domain::Money)>,
}

/// The order's preference for the wallet and credits options. It expires (a preference left
/// open stays payable after the order was paid another way); an expiring one is replaced.
/// Only asked for while the order takes payment (the caller checks). `None`: no wallet option
/// this time (Mercado Pago could not be asked); cards and the rest still work.
pub async fn wallet_preference(
    client: &MercadoPagoClient,
    pool: &PgPool,
    order: &Order,
    terms: PreferenceTerms,
) -> Option<String> {
    let now = time::OffsetDateTime::now_utc();
    // A wallet payment never goes through the claim, so the preference itself must stop being
    // payable before the order's units go back on sale: it ends with their reservation.
    let held_until = order.held_until;
    let margin = match held_until {
        Some(_) => HELD_PREFERENCE_MARGIN,
        None => PREFERENCE_MARGIN,
    };
    if let (Some(id), Some(until)) = (&order.preference_id, order.preference_expires_at) {
        if until - now > margin {
            return Some(id.clone());
        }
    }
    let mut expires_at = now + terms.expiration;
    if let Some(held) = held_until {
        expires_at = expires_at.min(held - HOLD_SLACK);
        if expires_at - now <= margin {
            // The hold is nearly over: the next checkout page takes the units again (or says
            // they are gone) and offers the wallet with a fresh preference.
            return None;
        }
    }
    let mut items: Vec<PreferenceItem> = order
        .lines
        .iter()
        .map(|l| PreferenceItem {
            id: l.product_id.to_string(),
            title: l.name.clone(),
            quantity: l.quantity,
            currency_id: l.unit_price.currency().code().to_string(),
            unit_price: l.unit_price.to_json_number(),
        })
        .collect();
    if let Some((name, price)) = terms.shipping.filter(|(_, p)| p.minor() > 0) {
        items.push(PreferenceItem {
            id: "shipping".to_string(),
            title: name,
            quantity: 1,
            currency_id: price.currency().code().to_string(),
            unit_price: price.to_json_number(),
        });
    }
    let body = CreatePreference {
        items,
        external_reference: order.id.to_string(),
        notification_url: terms.notification_url,
        back_urls: BackUrls {
            success: terms.back.clone(),
            failure: terms.back.clone(),
            pending: terms.back,
        },
        auto_return: "approved",
        purpose: "wallet_purchase",
        metadata: serde_json::json!({ "order_id": order.id.to_string() }),
        expires: true,
        expiration_date_to: crate::mercadopago::time::iso(expires_at),
    };
    let key = format!("preference-{}-{}", order.id, expires_at.unix_timestamp());
    match client.create_preference(&body, &key).await {
        Ok(preference) => {
            let saved = orders::set_preference(pool, order.id, &preference.id, expires_at).await;
            if let Err(e) = saved {
                tracing::warn!(error = %e, "could not keep the order's preference");
            }
            Some(preference.id)
        }
        Err(e) => {
            tracing::warn!(error = %e, "no wallet option: could not create a preference");
            None
        }
    }
}
