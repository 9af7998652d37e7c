//! The building blocks: counters and histograms are plain atomics, so recording on the payment
//! path never waits on another request. A label set that is not known in advance (an endpoint,
//! a rate-limited route) lives in a `Family`: one uncontended read lock to find it, a write
//! lock only the first time it is seen.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

/// A monotonic count.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Observations of a duration in fixed buckets (upper bounds in seconds, ascending).
pub struct Histogram {
    bounds: &'static [f64],
    /// One per bound, plus one for what exceeds the last: not cumulative, so one add each.
    counts: Vec<AtomicU64>,
    /// In microseconds, so the sum is an integer add too; it holds 584,000 years.
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, d: Duration) {
        let seconds = d.as_secs_f64();
        let slot = self
            .bounds
            .iter()
            .position(|&b| seconds <= b)
            .unwrap_or(self.bounds.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Cumulative counts per bound (the last is `+Inf`, which is also the count) and the sum
    /// in seconds. Taken bucket by bucket while others record: the count is the buckets' own
    /// total, so a scrape is always self-consistent even if the sum is a moment behind.
    pub fn snapshot(&self) -> (Vec<(Option<f64>, u64)>, f64) {
        let mut total = 0;
        let buckets = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                total += c.load(Ordering::Relaxed);
                (self.bounds.get(i).copied(), total)
            })
            .collect();
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (buckets, sum)
    }
}

/// Instruments by label values that are only known when first used.
pub struct Family<K, V> {
    members: RwLock<BTreeMap<K, V>>,
    make: fn() -> V,
}

impl<K: Ord + Clone, V> Family<K, V> {
    pub fn new(make: fn() -> V) -> Self {
        Self {
            members: RwLock::new(BTreeMap::new()),
            make,
        }
    }

    /// Runs `f` on the member for `key`, made on first use.
    pub fn with<Q>(&self, key: &Q, f: impl FnOnce(&V))
    where
        K: Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
    {
        // Recording must not fail because some other thread panicked while holding the lock:
        // the members are atomics, never left half-written.
        if let Some(v) = self
            .members
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return f(v);
        }
        let mut members = self.members.write().unwrap_or_else(PoisonError::into_inner);
        f(members.entry(key.to_owned()).or_insert_with(self.make))
    }

    /// Every member, in key order, for a scrape.
    pub fn each(&self, mut f: impl FnMut(&K, &V)) {
        let members = self.members.read().unwrap_or_else(PoisonError::into_inner);
        for (k, v) in members.iter() {
            f(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_the_count() {
        let h = Histogram::new(&[0.1, 1.0]);
        h.observe(Duration::from_millis(50));
        h.observe(Duration::from_millis(100));
        h.observe(Duration::from_millis(500));
        h.observe(Duration::from_secs(3));
        let (buckets, sum) = h.snapshot();
        assert_eq!(buckets, vec![(Some(0.1), 2), (Some(1.0), 3), (None, 4)]);
        assert!((sum - 3.65).abs() < 1e-9);
    }

    #[test]
    fn a_family_makes_each_member_once() {
        let f: Family<String, Counter> = Family::new(Counter::default);
        f.with("GET /x", |c| c.add(1));
        f.with("GET /x", |c| c.add(2));
        f.with("GET /y", |c| c.add(1));
        let mut seen = Vec::new();
        f.each(|k, c| seen.push((k.clone(), c.get())));
        assert_eq!(seen, vec![("GET /x".into(), 3), ("GET /y".into(), 1)]);
    }
}
