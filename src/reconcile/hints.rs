//! Bounds on what an unauthenticated request can make us ask Mercado Pago: unsigned IPN hints
//! (`?topic=payment&id=`), notifications whose signature fails, and wallet returns. Each only
//! says "look again"; anyone on the internet can send them, and every re-read spends the API
//! quota that real payments need. So: a budget per source per minute, and a cap on re-reads
//! running at once. What they would have told us still arrives through signed webhooks, the
//! worker's polls and its sweep.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Hint re-reads one source may cause per minute.
pub const PER_SOURCE_PER_MINUTE: u32 = 10;
/// Hint re-reads running at once, over all sources.
pub const CONCURRENT: usize = 4;
/// Sources remembered at most; past that the window starts afresh for everyone.
const MAX_SOURCES: usize = 10_000;
const WINDOW: Duration = Duration::from_secs(60);

pub struct Hints {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    running: Arc<Semaphore>,
}

impl Default for Hints {
    fn default() -> Self {
        Self {
            windows: Mutex::new(HashMap::new()),
            running: Arc::new(Semaphore::new(CONCURRENT)),
        }
    }
}

impl Hints {
    /// Permission for one hint re-read from `source`: `None` when the source has used its
    /// minute's budget or too many re-reads are running.
    pub fn admit(&self, source: &str) -> Option<OwnedSemaphorePermit> {
        let now = Instant::now();
        {
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            if windows.len() >= MAX_SOURCES {
                windows.clear();
            }
            let (start, count) = windows.entry(source.to_string()).or_insert((now, 0));
            if now.duration_since(*start) >= WINDOW {
                (*start, *count) = (now, 0);
            }
            if *count >= PER_SOURCE_PER_MINUTE {
                return None;
            }
            *count += 1;
        }
        self.running.clone().try_acquire_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_its_budget_and_no_more() {
        let hints = Hints::default();
        let mut held = Vec::new();
        for _ in 0..CONCURRENT {
            held.push(hints.admit("a").expect("within budget"));
        }
        assert!(hints.admit("b").is_none(), "too many running at once");
        held.clear();
        for _ in CONCURRENT as u32..PER_SOURCE_PER_MINUTE {
            assert!(hints.admit("a").is_some());
        }
        assert!(hints.admit("a").is_none(), "the minute's budget is spent");
        assert!(hints.admit("b").is_some(), "sources are independent");
    }
}
