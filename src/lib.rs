//! A Mercado Pago checkout for a small storefront.

pub mod domain;
