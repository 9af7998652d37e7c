//! A small typed client for Mercado Pago's REST API: only what the checkout uses.

mod client;
mod error;
/// Webhook signatures (`x-signature`), as Mercado Pago makes them and the store checks them.
pub mod signature;
pub mod time;
mod types;

pub use client::MercadoPagoClient;
pub use error::{Cause, MpError};
pub use types::{
    Account, AdditionalInfo, AdditionalPayer, Address, BackUrls, CreatePayment, CreatePreference,
    Identification, IdentificationType, Item, Payer, Payment, Preference, PreferenceItem,
    ReceiverAddress, Shipments, ThreeDsInfo,
};
