//! A Mercado Pago checkout for a small storefront.
