//! `POST /process_payment`: the Payment Brick's submit, turned into at most one charge.

mod error;
mod process;

pub use error::PaymentError;
pub use process::process_payment;

/// What the checkout page's script receives after a payment attempt.
#[derive(Debug, serde::Serialize)]
pub struct PaymentAnswer {
    pub order_id: String,
    pub payment_id: i64,
    pub status: String,
    pub status_detail: String,
    pub redirect_url: String,
}
