//! A Mercado Pago checkout for a small storefront.

pub mod configuration;
pub mod db;
pub mod doctor;
pub mod domain;
pub mod env;
pub mod health_check;
pub mod i18n;
pub mod limits;
pub mod mail;
pub mod mercadopago;
pub mod metrics;
pub mod payments;
pub mod reconcile;
pub mod routes;
pub mod security;
pub mod session;
pub mod startup;
pub mod state;
pub mod telemetry;
