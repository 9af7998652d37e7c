//! Verified notifications are kept by one writer, many to a statement. Each webhook request
//! still waits until its own notification is committed before it answers 200, so none is
//! acknowledged before it is kept; only the commit is shared. The writer takes whatever has
//! queued while its last insert ran: an idle store keeps each at once (one statement, as
//! before), a busy one keeps many with one durable commit instead of one each.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::db::lending::Lender;
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
    db: Lender,
    lease: Duration,
}

struct Delivery {
    notification: NewNotification,
    kept: oneshot::Sender<Result<Option<i64>, NotKept>>,
}

impl Inbox {
    /// Starts the writer on the current Tokio runtime; it ends when `Inbox` is dropped. Each
    /// notification kept is due for the worker only after `lease`.
    pub fn start(db: Lender, lease: Duration) -> Self {
        let (queue, deliveries) = mpsc::unbounded_channel();
        tokio::spawn(write(db.clone(), lease, deliveries));
        Self { queue, db, lease }
    }

    /// Keeps `notification` and waits for its commit: its id, or `None` when it is a replay
    /// of one already kept.
    pub async fn keep(&self, notification: NewNotification) -> Result<Option<i64>, NotKept> {
        let (kept, answer) = oneshot::channel();
        let delivery = Delivery { notification, kept };
        if let Err(mpsc::error::SendError(delivery)) = self.queue.send(delivery) {
            // The writer is gone (it can only have panicked): each request keeps its own.
            tracing::error!("the notification writer has stopped; keeping this one alone");
            return insert_one(&self.db, self.lease, delivery.notification)
                .await
                .map_err(|e| NotKept::Database(Arc::new(e)));
        }
        answer.await.map_err(|_| NotKept::Stopped)?
    }
}

type Answer = Result<Option<i64>, Arc<sqlx::Error>>;

async fn insert_one(
    db: &Lender,
    lease: Duration,
    notification: NewNotification,
) -> Result<Option<i64>, sqlx::Error> {
    let kept = notifications::insert_many(db, std::slice::from_ref(&notification), lease).await?;
    Ok(kept.into_iter().next().map(|(_, id)| id))
}

async fn write(db: Lender, lease: Duration, mut deliveries: mpsc::UnboundedReceiver<Delivery>) {
    let mut batch = Vec::new();
    while deliveries.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // One row per key: a replay within the batch is answered as a replay of the first.
        let mut keys = HashSet::new();
        let rows: Vec<NewNotification> = batch
            .iter()
            .filter(|d| keys.insert(d.notification.dedupe_key.as_str()))
            .map(|d| d.notification.clone())
            .collect();
        let mut answers: HashMap<String, Answer> = match notifications::insert_many(
            &db, &rows, lease,
        )
        .await
        {
            Ok(kept) => {
                let mut answers: HashMap<String, Answer> =
                    rows.into_iter().map(|r| (r.dedupe_key, Ok(None))).collect();
                answers.extend(kept.into_iter().map(|(key, id)| (key, Ok(Some(id)))));
                answers
            }
            Err(e) if rows.len() > 1 => {
                // One row can fail a whole statement: each is tried alone, so that only the
                // row at fault (or all, when the database is down) goes unacknowledged.
                tracing::warn!(error = %e, count = rows.len(), "a batch of notifications failed; keeping each alone");
                let mut answers = HashMap::new();
                for row in rows {
                    let key = row.dedupe_key.clone();
                    answers.insert(key, insert_one(&db, lease, row).await.map_err(Arc::new));
                }
                answers
            }
            Err(e) => {
                let e = Arc::new(e);
                rows.into_iter()
                    .map(|r| (r.dedupe_key, Err(e.clone())))
                    .collect()
            }
        };
        for d in batch.drain(..) {
            // The first delivery of a key gets its answer; a replay after it in the batch gets
            // `None`, or the same error.
            let answer = match answers.get_mut(&d.notification.dedupe_key) {
                Some(Ok(id)) => Ok(id.take()),
                Some(Err(e)) => Err(NotKept::Database(e.clone())),
                None => Err(NotKept::Stopped),
            };
            let _ = d.kept.send(answer);
        }
    }
}
