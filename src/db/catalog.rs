//! The catalog in memory: it changes rarely and is read on every page, so pages do not
//! query it. Back-office edits clear it at once; other instances see them within `TTL` and one
//! read.
//!
//! A copy past its `TTL` is still served, for up to one more `TTL`, while a single task reads
//! the catalog again: under a burst of payments the pool's queue is long, and every page
//! arriving then would wait in it behind the payments. Only a missing copy (at start, after an
//! edit here) or one older than that is waited for.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::domain::Currency;

use super::products::{self, Product};

const TTL: Duration = Duration::from_secs(5);

pub struct Catalog {
    currency: Currency,
    ttl: Duration,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    cached: RwLock<Option<(Instant, Arc<Vec<Product>>)>>,
    /// Bumped by every edit, so that a read begun before it cannot store its older copy.
    generation: AtomicU64,
    refreshing: AtomicBool,
}

impl Catalog {
    pub fn new(currency: Currency) -> Self {
        Self::with_ttl(currency, TTL)
    }

    pub fn with_ttl(currency: Currency, ttl: Duration) -> Self {
        Self {
            currency,
            ttl,
            shared: Arc::default(),
        }
    }

    /// The active products of the site's currency.
    pub async fn active(&self, pool: &PgPool) -> Result<Arc<Vec<Product>>, sqlx::Error> {
        let cached = self.shared.cached.read().expect("catalog lock").clone();
        if let Some((at, products)) = cached {
            let age = at.elapsed();
            if age < self.ttl {
                return Ok(products);
            }
            if age < self.ttl * 2 {
                self.refresh_in_background(pool);
                return Ok(products);
            }
        }
        self.shared.load(pool, self.currency).await
    }

    pub fn invalidate(&self) {
        let mut cached = self.shared.cached.write().expect("catalog lock");
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        *cached = None;
    }

    fn refresh_in_background(&self, pool: &PgPool) {
        if self.shared.refreshing.swap(true, Ordering::SeqCst) {
            return;
        }
        let (shared, pool, currency) = (self.shared.clone(), pool.clone(), self.currency);
        tokio::spawn(async move {
            if let Err(e) = shared.load(&pool, currency).await {
                tracing::warn!(error = %e, "catalog not read again; pages keep the copy they have");
            }
            shared.refreshing.store(false, Ordering::SeqCst);
        });
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
