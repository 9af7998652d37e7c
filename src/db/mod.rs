//! Queries, checked at compile time against `migrations/` (offline data in `.sqlx/`).

pub mod admin;
pub mod attempts;
pub mod backoffice;
pub mod catalog;
pub mod charts;
pub mod connect;
pub mod delivery;
pub mod fulfilment;
pub mod gauges;
pub mod lending;
pub mod migrations;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod pictures;
pub mod products;
pub mod reconciliation;
pub mod stock;

use crate::domain::{Currency, Money};

/// Rebuilds a money value from its columns; the check constraints make failure a bug.
pub(crate) fn money(minor: i64, currency: &str) -> Result<Money, sqlx::Error> {
    Currency::parse(currency)
        .and_then(|c| Money::from_minor(minor, c))
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
