//! Payment truth after the checkout's answer: the background work that keeps asking Mercado
//! Pago until nothing it said is lost (the worker, the webhook's re-reads, the hint budget).

pub mod hints;
pub mod inbox;
pub mod marks;
pub mod rereads;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;

use crate::db::lending::Lender;
use crate::domain::order_status::Source;
use crate::domain::Timings;
use crate::mercadopago::MercadoPagoClient;
use crate::mercadopago::Payment;
use crate::metrics::Metrics;
use crate::payments::apply::{apply, Applied, Claimant, RefundWith};

/// What background payment sync needs, and nothing of the web: the database, Mercado Pago,
/// the timings. The web state holds one; the worker and the webhook's re-reads run on it.
pub struct Reconciler {
    pub pool: PgPool,
    /// The same pool, lent without sqlx's round trip on release (`db::lending`).
    pub lender: Lender,
    pub mercadopago: MercadoPagoClient,
    pub metrics: Arc<Metrics>,
    pub timings: Timings,
    /// How often the worker runs; also the first retry of a failed re-read.
    pub interval: Duration,
    /// How often the payments Mercado Pago changed lately are searched.
    pub sweep_interval: Duration,
    /// An unpaid order with no payment under way is cancelled after this.
    pub unpaid_order_expiry: Duration,
    pub refund_duplicates: bool,
    /// Notified payments being re-read, so a burst of notifications costs one re-read.
    pub rereads: rereads::Rereads,
    /// Marks re-read notifications processed, many to a statement.
    pub marks: marks::Marks,
    /// Keeps verified notifications, many to a statement, each answered after its commit.
    pub inbox: inbox::Inbox,
    /// How long after a webhook its payment is re-read (`WEBHOOK_REREAD_DELAY_MS`).
    pub news_delay: Duration,
}

impl Reconciler {
    /// The client to refund a duplicate payment with, when the merchant asked for that.
    pub fn refund_with(&self) -> RefundWith<'_> {
        self.refund_duplicates.then_some(&self.mercadopago)
    }

    /// Applies what Mercado Pago says of a payment the worker read (a poll, a sweep).
    pub async fn apply_news(&self, payment: &Payment) -> Result<Applied, sqlx::Error> {
        apply(
            &self.lender,
            &self.metrics,
            payment,
            Source::Reconciliation,
            Claimant::News,
            self.refund_with(),
        )
        .await
    }
}
