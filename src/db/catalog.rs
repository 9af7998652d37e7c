//! The catalog in memory: it changes rarely and is read on every page, so pages do not
//! query it. Back-office edits clear it at once; other instances see them within `TTL`.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::domain::Currency;

use super::products::{self, Product};

const TTL: Duration = Duration::from_secs(5);

pub struct Catalog {
    currency: Currency,
    cached: RwLock<Option<(Instant, Arc<Vec<Product>>)>>,
}

impl Catalog {
    pub fn new(currency: Currency) -> Self {
        Self {
            currency,
            cached: RwLock::new(None),
        }
    }

    /// The active products of the site's currency.
    pub async fn active(&self, pool: &PgPool) -> Result<Arc<Vec<Product>>, sqlx::Error> {
        if let Some((at, products)) = self.cached.read().expect("catalog lock").as_ref() {
            if at.elapsed() < TTL {
                return Ok(products.clone());
            }
        }
        let products = Arc::new(products::active(pool, self.currency).await?);
        *self.cached.write().expect("catalog lock") = Some((Instant::now(), products.clone()));
        Ok(products)
    }

    pub fn invalidate(&self) {
        *self.cached.write().expect("catalog lock") = None;
    }
}
