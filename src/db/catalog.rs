//! The catalog in memory: it changes rarely and is read on every page, so pages do not
//! query it. Back-office edits clear it at once; a task reads it again every `TTL`, so other
//! instances see an edit within `TTL` and one read.
//!
//! Pages never wait for that read: under a burst of payments the pool's queue is long, and
//! every page arriving during the read would wait in it behind the payments. They get the copy
//! they have. Only a missing copy (at start, after an edit here) or one older than `MAX_AGE`
//! (the database unreachable for that long) is waited for.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::domain::Currency;

use super::products::{self, Product};

const TTL: Duration = Duration::from_secs(5);
const MAX_AGE: Duration = Duration::from_secs(60);

pub struct Catalog {
    currency: Currency,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// The copy, and when it was read.
    cached: RwLock<Option<(Instant, Arc<Vec<Product>>)>>,
    /// Bumped by every edit, so that a read begun before it cannot store its older copy.
    generation: AtomicU64,
}

impl Catalog {
    /// The catalog of `currency`, read again every `TTL` by a task on the current runtime that
    /// ends with the catalog.
    pub fn start(pool: PgPool, currency: Currency) -> Self {
        Self::start_with_ttl(pool, currency, TTL)
    }

    pub fn start_with_ttl(pool: PgPool, currency: Currency, ttl: Duration) -> Self {
        let shared = Arc::new(Shared::default());
        tokio::spawn(refresh(Arc::downgrade(&shared), pool, currency, ttl));
        Self { currency, shared }
    }

    /// The active products of the site's currency.
    pub async fn active(&self, pool: &PgPool) -> Result<Arc<Vec<Product>>, sqlx::Error> {
        if let Some((at, products)) = self.shared.cached.read().expect("catalog lock").as_ref() {
            if at.elapsed() < MAX_AGE {
                return Ok(products.clone());
            }
        }
        self.shared.load(pool, self.currency).await
    }

    pub fn invalidate(&self) {
        let mut cached = self.shared.cached.write().expect("catalog lock");
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        *cached = None;
    }
}

async fn refresh(shared: Weak<Shared>, pool: PgPool, currency: Currency, ttl: Duration) {
    let mut tick = tokio::time::interval(ttl);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if let Err(e) = shared.load(&pool, currency).await {
            tracing::warn!(error = %e, "catalog not read again; pages keep the copy they have");
        }
    }
}

impl Shared {
    async fn load(
        &self,
        pool: &PgPool,
        currency: Currency,
    ) -> Result<Arc<Vec<Product>>, sqlx::Error> {
        let generation = self.generation.load(Ordering::SeqCst);
        let products = Arc::new(products::active(pool, currency).await?);
        let mut cached = self.cached.write().expect("catalog lock");
        if self.generation.load(Ordering::SeqCst) == generation {
            *cached = Some((Instant::now(), products.clone()));
        }
        Ok(products)
    }
}
