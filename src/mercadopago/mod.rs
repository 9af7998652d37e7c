//! A small typed client for Mercado Pago's REST API: only what the checkout uses.

mod client;
mod error;
mod types;

pub use client::MercadoPagoClient;
pub use error::{Cause, MpError};
pub use types::{AdditionalInfo, CreatePayment, Identification, Item, Payment, PaymentPayer};
