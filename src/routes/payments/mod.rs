//! `POST /process_payment`: the Payment Brick's submit, turned into at most one charge.

mod door;
mod error;
mod process;

pub use door::door;
pub use error::PaymentError;
pub use process::process_payment;

use crate::domain::{PaymentId, PaymentStatus, StatusDetail};

/// What the checkout page's script receives after a payment attempt.
#[derive(Debug, serde::Serialize)]
pub struct PaymentAnswer {
    pub order_id: String,
    pub payment_id: PaymentId,
    pub status: PaymentStatus,
    pub status_detail: StatusDetail,
    pub redirect_url: String,
}
