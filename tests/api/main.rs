//! Black-box tests of the store over HTTP: one app, one database, one mock Mercado Pago each.

mod admin;
mod against_sandbox;
mod cart;
mod checkout_page;
mod dashboard_charts;
mod doctor;
mod fraud_data;
mod going_live;
mod holes;
mod holes_timings;
mod holes_transport;
mod identification;
mod limits;
mod mail;
mod methods;
mod metrics;
mod payment_truth;
mod pictures;
mod process_payment;
mod provider_answers;
mod reconciliation;
mod result_page;
mod security;
mod three_ds;
mod webhooks;
