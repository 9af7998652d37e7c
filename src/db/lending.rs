//! Connections for the payment path, lent without sqlx's round trip on release.
//!
//! sqlx gives every pooled connection back with a round trip to PostgreSQL (a `Sync`, answered
//! by `ReadyForQuery`; 0.8 and 0.9 alike). It catches a dead connection and flushes what a
//! cancelled query left behind, and on the payment path it was one round trip for every
//! statement: without it the machine spent 11% less CPU per payment (docs/PERFORMANCE.md).
//! A borrower whose statements all completed has nothing to flush, and the connection has
//! just answered, so it gives the connection back here (`Lent::give_back`) for the next
//! borrower. Anything else goes back through sqlx's own release, check included: an error or
//! a future dropped mid-statement (the `Lent` is dropped, not given back), a write still
//! buffered (a dropped transaction's rollback), a connection parked for longer than `PARK_FOR`
//! or lent out for longer than `CYCLE`.
//!
//! The lender is a fair pool of its own within sqlx's: at most all but `LEFT_TO_OTHERS` of
//! sqlx's connections are lent or parked at once, and borrowers beyond that wait in line for
//! a permit. Connections it parks never reach sqlx's queue, so without that line a store under
//! load would starve everyone waiting in sqlx's.
//!
//! Lent connections are for statements that commit on their own: a transaction belongs on
//! `Lender::pool`.
//!
//! Work that can wait (the mail) asks the lender whether the payment path is using the
//! database at all ([`Lender::quiet`]), not only whether it uses all it may.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// An idle store keeps nothing parked for longer than this: sqlx's pool then has them all.
const PARK_FOR: Duration = Duration::from_secs(1);
/// Even a busy store hands each connection back to sqlx's pool this often, so that sqlx's
/// lifetime limit and health check still apply to it.
const CYCLE: Duration = Duration::from_secs(60);
/// What the rest of the store (pages, the mail worker, transactions) can always find in
/// sqlx's pool.
const LEFT_TO_OTHERS: u32 = 4;

/// Lends connections of `pool`; cheap to clone.
#[derive(Clone)]
pub struct Lender {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    parked: Mutex<Vec<Parked>>,
    /// One per connection lent out; tokio's semaphore serves waiters first come, first served.
    /// It bounds the parked ones too: a borrower takes a new connection from sqlx only when
    /// none is parked, so those lent and parked together never outnumber the permits.
    permits: Arc<Semaphore>,
    /// Connections lent out now; a wake-up for who waits for none (`Lender::quiet`).
    lent: AtomicUsize,
    none_lent: Notify,
    /// Lends so far: unchanged over a while, nobody touched the database through the lender.
    lends: AtomicU64,
}

struct Parked {
    conn: PoolConnection<Postgres>,
    /// When the lender took it from sqlx's pool.
    taken: Instant,
    /// When it was last given back.
    since: Instant,
}

impl Lender {
    /// Starts the lender on the current Tokio runtime; its sweep of parked connections ends
    /// when the last clone is dropped.
    pub fn start(pool: PgPool) -> Self {
        let lendable = pool
            .options()
            .get_max_connections()
            .saturating_sub(LEFT_TO_OTHERS)
            .max(1) as usize;
        let inner = Arc::new(Inner {
            pool,
            parked: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(lendable)),
            lent: AtomicUsize::new(0),
            none_lent: Notify::new(),
            lends: AtomicU64::new(0),
        });
        tokio::spawn(sweep(Arc::downgrade(&inner)));
        Self { inner }
    }

    /// The pool itself, for transactions and anything off the payment path.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The most recently parked connection, else one from sqlx's pool.
    pub async fn lend(&self) -> Result<Lent, sqlx::Error> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the lender's semaphore is never closed");
        let parked = self.inner.parked.lock().unwrap().pop();
        let (conn, taken) = match parked {
            Some(p) => (p.conn, p.taken),
            None => (self.inner.pool.acquire().await?, Instant::now()),
        };
        self.inner.lent.fetch_add(1, Ordering::AcqRel);
        self.inner.lends.fetch_add(1, Ordering::AcqRel);
        Ok(Lent {
            conn: Some(conn),
            taken,
            lender: self.inner.clone(),
            _permit: permit,
        })
    }

    /// Whether every connection the lender may lend is lent out now: the payment path is
    /// using all it may of the database, and work that can wait (the mail) should.
    pub fn saturated(&self) -> bool {
        self.inner.permits.available_permits() == 0
    }

    /// How many lends so far: [`Lender::quiet`] takes one as the mark to compare with.
    pub fn lends(&self) -> u64 {
        self.inner.lends.load(Ordering::Acquire)
    }

    /// Waits until the payment path leaves the database alone: none of its connections lent
    /// out, and none lent for `settle` (a payment's statements come a few microseconds
    /// apart, its phases a few milliseconds). At once when nothing was lent since `mark`
    /// (an earlier [`Lender::lends`]) and nothing is lent now. Returns the new mark.
    pub async fn quiet(&self, mark: u64, settle: Duration) -> u64 {
        let inner = &self.inner;
        if inner.lends.load(Ordering::Acquire) == mark && inner.lent.load(Ordering::Acquire) == 0 {
            return mark;
        }
        loop {
            loop {
                let freed = inner.none_lent.notified();
                tokio::pin!(freed);
                // Registered before the check, so a release between the two still wakes it.
                freed.as_mut().enable();
                if inner.lent.load(Ordering::Acquire) == 0 {
                    break;
                }
                freed.await;
            }
            let mark = inner.lends.load(Ordering::Acquire);
            tokio::time::sleep(settle).await;
            if inner.lends.load(Ordering::Acquire) == mark {
                return mark;
            }
        }
    }

    /// How many connections are parked now.
    pub fn parked(&self) -> usize {
        self.inner.parked.lock().unwrap().len()
    }
}

impl Drop for Inner {
    /// sqlx releases a pooled connection on a Tokio task and panics with no runtime to spawn
    /// it on. The lender may outlive its runtime (the process ending): its parked connections
    /// are then closed where they are.
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err() {
            for parked in self.parked.get_mut().unwrap().drain(..) {
                drop(parked.conn.leak());
            }
        }
    }
}

/// A lent connection: give it back once its statements completed, or drop it.
pub struct Lent {
    conn: Option<PoolConnection<Postgres>>,
    taken: Instant,
    lender: Arc<Inner>,
    /// Released after the connection is parked (fields drop after `give_back`'s body).
    _permit: OwnedSemaphorePermit,
}

impl Lent {
    /// The borrower's statements completed: park the connection for the next borrower.
    pub fn give_back(mut self) {
        let conn = self.conn.take().expect("a connection until given back");
        let now = Instant::now();
        // `should_flush`: a message still in the write buffer, which is how a dropped
        // transaction leaves its rollback (sqlx's own test, public though hidden from its docs).
        if conn.should_flush() || now.duration_since(self.taken) > CYCLE {
            return; // dropped: sqlx's release, with its round trip
        }
        self.lender.parked.lock().unwrap().push(Parked {
            conn,
            taken: self.taken,
            since: now,
        });
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if self.lender.lent.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.lender.none_lent.notify_waiters();
        }
    }
}

impl Deref for Lent {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        self.conn.as_ref().expect("a connection until given back")
    }
}

impl DerefMut for Lent {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("a connection until given back")
    }
}

/// Hands back to sqlx's pool what was parked for longer than `PARK_FOR`.
async fn sweep(inner: Weak<Inner>) {
    let mut tick = tokio::time::interval(PARK_FOR);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        let stale: Vec<Parked> = {
            let mut parked = inner.parked.lock().unwrap();
            let now = Instant::now();
            let (stale, fresh): (Vec<Parked>, Vec<Parked>) = parked
                .drain(..)
                .partition(|p| now.duration_since(p.since) >= PARK_FOR);
            *parked = fresh;
            stale
        };
        // Dropped outside the lock: each is released by sqlx, with its round trip.
        drop(stale);
    }
}
