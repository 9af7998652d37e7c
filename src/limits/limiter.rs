//! An in-memory rate limiter, per instance: a budget of requests per minute per key.
//!
//! Each key keeps one number, the time at which its budget is full again (GCRA, a token
//! bucket in one integer). A key whose budget is full is the same as no key, so it can be
//! dropped at any time: shards drop them every few seconds, and when a shard is full anyway
//! (a flood of addresses), the key closest to full is dropped first. Shards are plain mutexes
//! held for one map operation, never across an await.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

const PERIOD: Duration = Duration::from_secs(60);
/// Often enough that forgotten keys leave memory soon, rarely enough to cost nothing.
const SWEEP_EVERY: Duration = Duration::from_secs(10);
const MAX_SHARDS: usize = 64;

/// At most `per_minute` requests in any minute, all at once or spread out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    per_minute: u32,
}

impl Rate {
    /// `None` for 0: no limit.
    pub fn per_minute(n: u32) -> Option<Rate> {
        (n > 0).then_some(Rate { per_minute: n })
    }

    fn interval(self) -> u64 {
        PERIOD.as_nanos() as u64 / u64::from(self.per_minute)
    }
}

/// Whose budget: an address or a session, on one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub route: u8,
    pub subject: Subject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Ipv4(u32),
    /// An IPv6 client by its /64: one subscriber's network, in which it can take any address.
    Ipv6Net(u64),
    Session(u128),
}

impl Subject {
    pub fn ip(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Subject::Ipv4(v4.into()),
            IpAddr::V6(v6) => Subject::Ipv6Net((u128::from(v6) >> 64) as u64),
        }
    }
}

pub struct RateLimiter {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    keys_per_shard: usize,
    epoch: Instant,
}

struct Shard {
    /// Per key, the time (ns since `epoch`) when its budget is full again.
    full_at: HashMap<Key, u64>,
    next_sweep: u64,
}

impl RateLimiter {
    /// Remembers at most about `max_keys` keys.
    pub fn new(max_keys: usize) -> Self {
        let max_keys = max_keys.max(1);
        let shards = (max_keys / 1024).clamp(1, MAX_SHARDS);
        Self {
            shards: (0..shards)
                .map(|_| {
                    Mutex::new(Shard {
                        full_at: HashMap::new(),
                        next_sweep: 0,
                    })
                })
                .collect(),
            hasher: RandomState::new(),
            keys_per_shard: max_keys.div_ceil(shards),
            epoch: Instant::now(),
        }
    }

    /// Spends one request of `key`'s budget, or says how long until one is available.
    pub fn check(&self, key: Key, rate: Rate) -> Result<(), Duration> {
        let now = self.epoch.elapsed().as_nanos() as u64;
        self.check_at(key, rate, now)
    }

    fn check_at(&self, key: Key, rate: Rate, now: u64) -> Result<(), Duration> {
        let shard = &self.shards[self.hasher.hash_one(key) as usize % self.shards.len()];
        // A panic elsewhere cannot leave a number half-written: the map is still good.
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        shard.sweep_if_due(now);
        let period = PERIOD.as_nanos() as u64;
        let start = shard.full_at.get(&key).copied().unwrap_or(now).max(now);
        let full_at = start + rate.interval();
        if full_at > now + period {
            return Err(Duration::from_nanos(full_at - period - now));
        }
        if !shard.full_at.contains_key(&key) && shard.full_at.len() >= self.keys_per_shard {
            shard.make_room(now, self.keys_per_shard);
        }
        shard.full_at.insert(key, full_at);
        Ok(())
    }

    /// Keys remembered now (tests and diagnostics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .full_at
                    .len()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Shard {
    fn sweep_if_due(&mut self, now: u64) {
        if now >= self.next_sweep {
            self.full_at.retain(|_, full_at| *full_at > now);
            self.next_sweep = now + SWEEP_EVERY.as_nanos() as u64;
        }
    }

    /// Drops what has expired; if that is not enough, the eighth of the keys closest to full
    /// again, whose limits matter least. Dropping a batch keeps a flood's cost per request
    /// constant instead of a scan each time.
    fn make_room(&mut self, now: u64, cap: usize) {
        self.full_at.retain(|_, full_at| *full_at > now);
        if self.full_at.len() < cap {
            return;
        }
        let mut times: Vec<u64> = self.full_at.values().copied().collect();
        let nth = (times.len() / 8).min(times.len() - 1);
        let (_, threshold, _) = times.select_nth_unstable(nth);
        let threshold = *threshold;
        self.full_at.retain(|_, full_at| *full_at > threshold);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn key(n: u32) -> Key {
        Key {
            route: 0,
            subject: Subject::Ipv4(n),
        }
    }

    #[test]
    fn a_full_budget_is_spent_at_once_then_refills_steadily() {
        let limiter = RateLimiter::new(100);
        let rate = Rate::per_minute(3).unwrap();
        for _ in 0..3 {
            assert!(limiter.check_at(key(1), rate, 0).is_ok());
        }
        let wait = limiter.check_at(key(1), rate, 0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        assert!(limiter.check_at(key(1), rate, 19 * SEC).is_err());
        assert!(limiter.check_at(key(1), rate, 20 * SEC).is_ok());
        assert!(limiter.check_at(key(1), rate, 20 * SEC).is_err());
        // Another key has its own budget.
        assert!(limiter.check_at(key(2), rate, 20 * SEC).is_ok());
    }

    #[test]
    fn refused_requests_cost_nothing() {
        let limiter = RateLimiter::new(100);
        let rate = Rate::per_minute(1).unwrap();
        assert!(limiter.check_at(key(1), rate, 0).is_ok());
        for _ in 0..100 {
            assert!(limiter.check_at(key(1), rate, 30 * SEC).is_err());
        }
        assert!(limiter.check_at(key(1), rate, 60 * SEC).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        assert_eq!(Rate::per_minute(0), None);
    }

    /// A limiter remembering at most `max_keys`, after one request at time 0 from each of
    /// `clients` keys at `per_minute`.
    fn after_one_request_each(max_keys: usize, per_minute: u32, clients: u32) -> RateLimiter {
        let limiter = RateLimiter::new(max_keys);
        let rate = Rate::per_minute(per_minute).unwrap();
        for n in 0..clients {
            limiter.check_at(key(n), rate, 0).unwrap();
        }
        limiter
    }

    #[test]
    fn keys_whose_budget_is_full_again_are_forgotten() {
        let limiter = after_one_request_each(100, 60, 50);
        assert_eq!(limiter.len(), 50);
        // One request's worth of budget refills in a second; the next sweep drops them.
        let rate = Rate::per_minute(60).unwrap();
        limiter.check_at(key(999), rate, 11 * SEC).unwrap();
        assert_eq!(limiter.len(), 1);
    }

    #[test]
    fn a_flood_of_addresses_cannot_grow_memory_past_the_cap() {
        let limiter = after_one_request_each(1000, 1, 100_000);
        assert!(limiter.len() <= 1000, "{} keys", limiter.len());
    }

    #[test]
    fn ipv6_clients_share_their_slash_64() {
        let a = Subject::ip("2001:db8:1:2::1".parse().unwrap());
        let b = Subject::ip("2001:db8:1:2:ffff::9".parse().unwrap());
        let c = Subject::ip("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            Subject::ip("::ffff:192.0.2.1".parse().unwrap()),
            Subject::ip("192.0.2.1".parse().unwrap())
        );
    }
}
