//! Mercado Pago's item categories: what a product is, sent as
//! `additional_info.items[].category_id` so that fraud scoring knows what is being bought.
//!
//! The ids are those of `GET https://api.mercadopago.com/item_categories` (confirmed against
//! the response printed by the `aaferna/SAPIDK-MercadoPago-PHP` wiki, "Obtener Categorías
//! Vigentes", and the same 23 ids in an Odoo `payment_mercadopago` module; the create-payment
//! reference says `category_id` may be such a tag, e.g. "phone"). The labels are the back
//! office's, in `i18n::admin`.

use std::fmt;

/// One of Mercado Pago's item categories. Parsed from the back office form or the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemCategory(usize);

/// Mercado Pago's ids, in the order of its list (their words: `i18n::admin`).
const CATEGORIES: [&str; 23] = [
    "art",
    "baby",
    "coupons",
    "donations",
    "computing",
    "cameras",
    "video_games",
    "television",
    "car_electronics",
    "electronics",
    "automotive",
    "entertainment",
    "fashion",
    "games",
    "home",
    "musical",
    "phones",
    "services",
    "learnings",
    "tickets",
    "travels",
    "virtual_goods",
    "others",
];

/// Why a category was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not one of Mercado Pago's item categories")]
pub struct UnknownCategory(String);

impl ItemCategory {
    /// A category by its Mercado Pago id (`electronics`), exactly as the API spells it.
    pub fn parse(raw: &str) -> Result<Self, UnknownCategory> {
        let id = raw.trim();
        CATEGORIES
            .iter()
            .position(|c| *c == id)
            .map(Self)
            .ok_or_else(|| UnknownCategory(id.chars().take(40).collect()))
    }

    /// Every category, in Mercado Pago's order.
    pub fn all() -> impl Iterator<Item = Self> {
        (0..CATEGORIES.len()).map(Self)
    }

    /// The id Mercado Pago expects in `category_id`.
    pub fn as_str(self) -> &'static str {
        CATEGORIES[self.0]
    }
}

impl fmt::Display for ItemCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_of_mercado_pagos_list_parses_back_to_itself() {
        let ids: Vec<&str> = ItemCategory::all().map(ItemCategory::as_str).collect();
        assert_eq!(ids.len(), 23);
        for id in &ids {
            assert_eq!(ItemCategory::parse(id).unwrap().as_str(), *id);
        }
        for id in ["electronics", "virtual_goods", "learnings", "others"] {
            assert!(ids.contains(&id), "{id}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_its_name() {
        for bad in ["", "Electronics", "MLB189908", "books", "phone", "<script>"] {
            let err = ItemCategory::parse(bad).unwrap_err();
            assert!(err.to_string().contains("item categories"), "{bad}");
        }
        assert_eq!(ItemCategory::parse(" home ").unwrap().as_str(), "home");
    }
}
