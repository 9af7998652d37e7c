//! Notifications answered by a re-read are marked processed by one writer, a batch at a time.
//! Each mark was one statement and one durable commit per payment: a quarter of the commits
//! on the payment path. The writer takes whatever has queued while its last write ran, so an
//! idle store marks each at once and a busy one marks many in one statement; and its commit
//! does not wait for the disk (`notifications::mark_each_processed` says why that is safe).
//!
//! A mark that is never written (a failed write, a crash, a stop) loses nothing: the
//! notification stays unprocessed, and the worker re-reads its payment once its lease is over.
//! That re-read is idempotent, as every re-read is.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::db::lending::Lender;
use crate::db::notifications;
use crate::metrics::Metrics;

/// At most this many notifications in one statement.
const MAX_BATCH: usize = 512;

pub struct Marks {
    queue: mpsc::UnboundedSender<Mark>,
}

struct Mark {
    ids: Vec<i64>,
    outcome: String,
}

impl Marks {
    /// Starts the writer on the current Tokio runtime; it ends when `Marks` is dropped.
    pub fn start(db: Lender, metrics: Arc<Metrics>) -> Self {
        let (queue, marks) = mpsc::unbounded_channel();
        tokio::spawn(write(db, metrics, marks));
        Self { queue }
    }

    /// Queues `ids` to be marked processed with `outcome`.
    pub fn mark(&self, ids: Vec<i64>, outcome: String) {
        if ids.is_empty() {
            return;
        }
        if self.queue.send(Mark { ids, outcome }).is_err() {
            tracing::warn!("the notification marker has stopped; the worker will re-read");
        }
    }
}

async fn write(db: Lender, metrics: Arc<Metrics>, mut marks: mpsc::UnboundedReceiver<Mark>) {
    let mut batch = Vec::new();
    while marks.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (ids, outcomes): (Vec<i64>, Vec<String>) = batch
            .drain(..)
            .flat_map(|m| {
                let outcome = m.outcome;
                m.ids.into_iter().map(move |id| (id, outcome.clone()))
            })
            .unzip();
        match notifications::mark_each_processed(&db, &ids, &outcomes).await {
            Ok(marked) => metrics.webhooks_applied(&marked),
            Err(e) => tracing::warn!(
                error = %e,
                count = ids.len(),
                "could not mark notifications processed; the worker will re-read their payments"
            ),
        }
    }
}
