//! The door of `/process_payment`: at most `PAYMENT_MAX_IN_PROGRESS` payments are past it at
//! once; the others wait in front of it, in arrival order, for up to `PAYMENT_QUEUE_WAIT_SECS`.
//!
//! Why a door and not only the database pool's queue: a payment past the door holds far more
//! than one waiting in front of it (its handler, Mercado Pago's answer, the outcome's encoded
//! arguments, and the webhook its payment causes). With ten thousand shoppers paying at once
//! and every one of them past the door, all of that was held ten thousand times while they
//! queued for twenty database connections; in front of the door a shopper holds only the
//! connection and its request's head. Those past it still keep the database and Mercado Pago
//! busy, so throughput is the same as long as the door lets in more than the database can
//! take in one Mercado Pago answer time.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

pub struct PaymentDoor {
    permits: Semaphore,
    wait: Duration,
}

impl PaymentDoor {
    pub fn new(in_progress: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(in_progress),
            wait,
        }
    }

    /// A place past the door, held until the payment's answer is ready; `None` when none came
    /// free within the wait (nothing has been done for the payment then).
    pub async fn enter(&self) -> Option<SemaphorePermit<'_>> {
        tokio::time::timeout(self.wait, self.permits.acquire())
            .await
            .ok()
            .map(|permit| permit.expect("the semaphore is never closed"))
    }

    /// How long a shopper waited in vain, for the refusal's log line.
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
        assert!(door.enter().await.is_none(), "full for the whole wait");
        drop(inside);
        assert!(door.enter().await.is_some(), "the place is free again");
    }
}
