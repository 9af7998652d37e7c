//! Typed identifiers, so an order id can't be passed where a payment id belongs.

use std::fmt;
use uuid::Uuid;

/// Our order, also sent to Mercado Pago as `external_reference`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct OrderId(pub Uuid);

impl OrderId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Uuid::parse_str(raw).ok().map(Self)
    }
}

impl Default for OrderId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Mercado Pago's numeric payment id: a JSON number, a `bigint` column.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct PaymentId(pub i64);

/// Mercado Pago's id as text (a notification's `data.id`, a legacy IPN's `id`).
impl std::str::FromStr for PaymentId {
    type Err = std::num::ParseIntError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        raw.parse().map(PaymentId)
    }
}

/// The bare number, as logs and traces always showed it.
impl fmt::Debug for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The random identity of a shopper's browser session; an order belongs to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ShopperId(pub Uuid);

impl ShopperId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for ShopperId {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentId;

    #[test]
    fn a_payment_id_travels_as_mercado_pagos_number() {
        let id: PaymentId = serde_json::from_str("1234567890").unwrap();
        assert_eq!(id, PaymentId(1_234_567_890));
        assert_eq!(serde_json::to_string(&id).unwrap(), "1234567890");
        assert_eq!("1234567890".parse::<PaymentId>(), Ok(id));
        assert!("12a".parse::<PaymentId>().is_err());
        assert_eq!(format!("{id} {id:?}"), "1234567890 1234567890");
    }
}
