//! Verified notifications are kept by one writer, many to a statement. Each webhook request
//! still waits until its own notification is committed before it answers 200, so none is
//! acknowledged before it is kept; only the commit is shared. The writer takes whatever has
//! queued while its last insert ran: an idle store keeps each at once (one statement, as
//! before), a busy one keeps many with one durable commit instead of one each.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use crate::db::notifications::{self, NewNotification};

/// At most this many notifications in one statement.
const MAX_BATCH: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum NotKept {
    #[error(transparent)]
    Database(Arc<sqlx::Error>),
    #[error("the notification writer has stopped")]
    Stopped,
}

pub struct Inbox {
    queue: mpsc::UnboundedSender<Delivery>,
}

struct Delivery {
    notification: NewNotification,
    kept: oneshot::Sender<Result<Option<i64>, NotKept>>,
}

impl Inbox {
    /// Starts the writer on the current Tokio runtime; it ends when `Inbox` is dropped. Each
    /// notification kept is due for the worker only after `lease`.
    pub fn start(pool: PgPool, lease: Duration) -> Self {
        let (queue, deliveries) = mpsc::unbounded_channel();
        tokio::spawn(write(pool, lease, deliveries));
        Self { queue }
    }

    /// Keeps `notification` and waits for its commit: its id, or `None` when it is a replay
    /// of one already kept.
    pub async fn keep(&self, notification: NewNotification) -> Result<Option<i64>, NotKept> {
        let (kept, answer) = oneshot::channel();
        self.queue
            .send(Delivery { notification, kept })
            .map_err(|_| NotKept::Stopped)?;
        answer.await.map_err(|_| NotKept::Stopped)?
    }
}

async fn write(pool: PgPool, lease: Duration, mut deliveries: mpsc::UnboundedReceiver<Delivery>) {
    let mut batch = Vec::new();
    while deliveries.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // One row per key: a replay within the batch is answered as a replay of the first.
        let mut keys = HashSet::new();
        let rows: Vec<NewNotification> = batch
            .iter()
            .filter(|d| keys.insert(d.notification.dedupe_key.as_str()))
            .map(|d| d.notification.clone())
            .collect();
        match notifications::insert_many(&pool, &rows, lease).await {
            Ok(kept) => {
                let mut ids: HashMap<String, i64> = kept.into_iter().collect();
                for d in batch.drain(..) {
                    let id = ids.remove(&d.notification.dedupe_key);
                    let _ = d.kept.send(Ok(id));
                }
            }
            Err(e) => {
                let e = Arc::new(e);
                for d in batch.drain(..) {
                    let _ = d.kept.send(Err(NotKept::Database(e.clone())));
                }
            }
        }
    }
}
