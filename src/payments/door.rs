//! The door of `/process_payment`: at most `PAYMENT_MAX_IN_PROGRESS` payments are past it at
//! once; the others wait in front of it, in arrival order, for up to `PAYMENT_QUEUE_WAIT_SECS`.
//!
//! Why a door and not only the database pool's queue: a payment past the door holds far more
//! than one waiting in front of it (its handler, Mercado Pago's answer, the outcome's encoded
//! arguments, and the webhook its payment causes). With ten thousand shoppers paying at once
//! and every one of them past the door, all of that was held ten thousand times while they
//! queued for twenty database connections; in front of the door a shopper holds only the
//! connection, its request's head and its small body. Those past it still keep the database
//! and Mercado Pago busy, so throughput is the same as long as the door lets in more than the
//! database can take in one Mercado Pago answer time.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

pub struct PaymentDoor {
    permits: Semaphore,
    wait: Duration,
}

/// Why a payment did not get past the door; nothing was done for it either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotLetIn {
    /// Every place stayed taken for the whole wait.
    Full,
    /// The store is stopping.
    Closed,
}

impl PaymentDoor {
    pub fn new(in_progress: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(in_progress),
            wait,
        }
    }

    /// A place past the door, held until the payment's answer is ready.
    pub async fn enter(&self) -> Result<SemaphorePermit<'_>, NotLetIn> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(NotLetIn::Closed),
            Err(_elapsed) => Err(NotLetIn::Full),
        }
    }

    /// A stopping store lets no one else in: those waiting are answered at once, while the
    /// payments already past the door finish within the shutdown's grace.
    pub fn close(&self) {
        self.permits.close();
    }

    pub fn wait(&self) -> Duration {
        self.wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_door_turns_the_next_one_away_after_the_wait_and_frees_on_leaving() {
        let door = PaymentDoor::new(1, Duration::from_millis(50));
        let inside = door.enter().await.expect("room for one");
        assert_eq!(door.enter().await.err(), Some(NotLetIn::Full));
        drop(inside);
        assert!(door.enter().await.is_ok(), "the place is free again");
    }

    #[tokio::test]
    async fn a_closed_door_answers_those_waiting_at_once() {
        let door = std::sync::Arc::new(PaymentDoor::new(1, Duration::from_secs(60)));
        let inside = door.enter().await.expect("room for one");
        let waiting = tokio::spawn({
            let door = door.clone();
            async move { door.enter().await.err() }
        });
        tokio::task::yield_now().await;
        door.close();
        assert_eq!(waiting.await.unwrap(), Some(NotLetIn::Closed));
        drop(inside);
    }
}
