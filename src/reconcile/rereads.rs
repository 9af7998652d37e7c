//! Re-reads of notified payments, coalesced per payment. Mercado Pago sends several
//! notifications for one payment (created, updated, retries), often at once; each only says
//! "look again". One re-read that starts after a notification arrived answers it, so while a
//! re-read of a payment runs, later notifications for it wait for one more re-read instead of
//! each fetching and applying the same payment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::Reconciler;
use crate::db::notifications;
use crate::domain::order_status::Source;
use crate::domain::PaymentId;
use crate::payments::apply::{apply, Claimant};

#[derive(Default)]
pub struct Rereads {
    running: Mutex<HashMap<PaymentId, Waiting>>,
}

#[derive(Default)]
struct Waiting {
    /// Notifications that arrived since the current re-read began.
    notifications: Vec<i64>,
    again: bool,
}

impl Rereads {
    /// Makes sure a re-read of `payment_id` begins after now, and not before the reconciler's
    /// `news_delay`; `notification` is marked processed once one does and succeeds.
    pub fn schedule(sync: Arc<Reconciler>, payment_id: PaymentId, notification: Option<i64>) {
        if sync.rereads.enter(payment_id, notification) {
            tokio::spawn(run(sync, payment_id));
        }
    }

    /// True when no re-read of the payment is running: the caller must start one.
    fn enter(&self, payment_id: PaymentId, notification: Option<i64>) -> bool {
        let mut running = self.running.lock().unwrap();
        match running.get_mut(&payment_id) {
            Some(waiting) => {
                waiting.again = true;
                waiting.notifications.extend(notification);
                false
            }
            None => {
                running.insert(
                    payment_id,
                    Waiting {
                        notifications: notification.into_iter().collect(),
                        again: false,
                    },
                );
                true
            }
        }
    }

    /// A re-read begins: the notifications it answers.
    fn begin(&self, payment_id: PaymentId) -> Vec<i64> {
        let mut running = self.running.lock().unwrap();
        let waiting = running.entry(payment_id).or_default();
        waiting.again = false;
        std::mem::take(&mut waiting.notifications)
    }

    /// A re-read ended: true if a notification came meanwhile and needs another.
    fn end(&self, payment_id: PaymentId) -> bool {
        let mut running = self.running.lock().unwrap();
        let again = running.get(&payment_id).is_some_and(|w| w.again);
        if !again {
            running.remove(&payment_id);
        }
        again
    }
}

#[tracing::instrument(skip(sync))]
async fn run(sync: Arc<Reconciler>, payment_id: PaymentId) {
    // Should the task die mid-way (a panic), later notifications must start a re-read of
    // their own rather than wait on this one. While the entry exists no other task for the
    // payment does, so removing it then removes only this task's.
    struct Leave<'a> {
        rereads: &'a Rereads,
        payment_id: PaymentId,
        ended: bool,
    }
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            if !self.ended {
                if let Ok(mut running) = self.rereads.running.lock() {
                    running.remove(&self.payment_id);
                }
            }
        }
    }
    let mut leave = Leave {
        rereads: &sync.rereads,
        payment_id,
        ended: false,
    };
    // Mercado Pago notifies a payment as it makes it, usually before its answer to our own
    // call is back: re-read at once, the news would race the checkout's recording of the same
    // payment for the order's row, and one of the two writes would be redundant. A moment
    // later the checkout has recorded it and the re-read costs one unlocked read.
    // Notifications for the payment that come meanwhile join this re-read. They are already
    // kept, so a crash during the pause only leaves them to the worker.
    tokio::time::sleep(sync.news_delay).await;
    loop {
        let answered = sync.rereads.begin(payment_id);
        reread(&sync, payment_id, answered).await;
        if !sync.rereads.end(payment_id) {
            leave.ended = true;
            return;
        }
    }
}

/// Re-reads the payment and applies it. A failure leaves the notifications due for the
/// worker, which re-drives them with backoff until one re-read is applied.
async fn reread(sync: &Reconciler, payment_id: PaymentId, notifications: Vec<i64>) {
    let outcome = match reread_once(sync, payment_id).await {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::warn!(error = %e, "could not re-read the notified payment; the worker will retry");
            if !notifications.is_empty() {
                let retry = notifications::mark_failed(
                    &sync.pool,
                    &notifications,
                    &e.to_string(),
                    sync.interval,
                )
                .await;
                if let Err(e) = retry {
                    tracing::warn!(error = %e, "could not mark notifications for retry");
                }
                sync.metrics.webhooks_failed(notifications.len());
            }
            return;
        }
    };
    sync.marks.mark(notifications, outcome);
}

/// One re-read of a payment from Mercado Pago, applied to its order.
pub async fn reread_once(sync: &Reconciler, payment_id: PaymentId) -> anyhow::Result<String> {
    let payment = sync.mercadopago.get_payment(payment_id).await?;
    let applied = apply(
        &sync.lender,
        &sync.metrics,
        &payment,
        Source::Webhook,
        Claimant::News,
        sync.refund_with(),
    )
    .await?;
    Ok(format!("{applied:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_during_a_reread_get_exactly_one_more() {
        let rereads = Rereads::default();
        assert!(
            rereads.enter(PaymentId(7), Some(1)),
            "the first starts a re-read"
        );
        assert!(
            !rereads.enter(PaymentId(7), Some(2)),
            "before it begins: it will answer this one too"
        );
        assert_eq!(rereads.begin(PaymentId(7)), vec![1, 2]);
        assert!(
            !rereads.enter(PaymentId(7), Some(3)),
            "arrived while re-reading"
        );
        assert!(!rereads.enter(PaymentId(7), Some(4)));
        assert!(rereads.end(PaymentId(7)), "one more re-read for 3 and 4");
        assert_eq!(rereads.begin(PaymentId(7)), vec![3, 4]);
        assert!(!rereads.end(PaymentId(7)), "nothing came meanwhile: done");
        assert!(
            rereads.enter(PaymentId(7), None),
            "a later notification starts afresh"
        );
        assert!(
            rereads.enter(PaymentId(8), Some(9)),
            "payments are independent"
        );
    }
}
