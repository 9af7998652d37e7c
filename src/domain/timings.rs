//! Every wait of the payment path, derived from the two configured timeouts in one place.
//!
//! The rule they keep: no attempt is declared abandoned, and no new idempotency key is minted
//! for its order, while any call of that attempt can still reach Mercado Pago.

use std::time::Duration;

/// Calls to `POST /v1/payments` one attempt may make (the first and two retries with the same
/// idempotency key, like Mercado Pago's SDKs).
pub const CALLS_PER_ATTEMPT: u32 = 3;
/// The longest pause between two of those calls: `Retry-After` is honoured up to this.
pub const MAX_PAUSE: Duration = Duration::from_secs(2);
/// Slack for clocks, scheduling and a request queued at Mercado Pago's edge after we gave up.
const MARGIN: Duration = Duration::from_secs(5);
/// How long a new payment may take to show in `/v1/payments/search` (FACTS: search is
/// eventually consistent). Only the search fallback waits for it.
pub const SEARCH_LAG: Duration = Duration::from_secs(60);

/// A 3-D Secure challenge still pending this long after its payment was made was abandoned:
/// Mercado Pago gives the shopper about 5 minutes (FACTS §8.2) and may leave the payment
/// pending after that; it is cancelled, so that it can neither hold the order nor be approved
/// behind the shopper's back.
pub const CHALLENGE_GIVE_UP: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    pub connect_timeout: Duration,
    /// One call's whole-request timeout.
    pub timeout: Duration,
    /// The longest one attempt can spend calling: every call timing out, every pause at its longest.
    pub call_budget: Duration,
    /// An attempt still `in_flight` after this was abandoned (its process died): none of its
    /// calls can still land.
    pub stale_after: Duration,
    /// With no way to re-send an attempt's request, how long after it began a search that finds
    /// nothing means that nothing was made.
    pub unknown_grace: Duration,
}

impl Timings {
    pub fn derive(connect_timeout: Duration, timeout: Duration) -> Self {
        let call_budget =
            (connect_timeout + timeout) * CALLS_PER_ATTEMPT + MAX_PAUSE * (CALLS_PER_ATTEMPT - 1);
        let stale_after = call_budget + MARGIN;
        Self {
            connect_timeout,
            timeout,
            call_budget,
            stale_after,
            unknown_grace: stale_after + SEARCH_LAG,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_abandoned_while_a_call_can_land() {
        for (connect, timeout) in [(1, 1), (1, 2), (3, 12), (10, 120)] {
            let t = Timings::derive(Duration::from_secs(connect), Duration::from_secs(timeout));
            let every_call = Duration::from_secs(connect + timeout) * CALLS_PER_ATTEMPT;
            assert!(t.call_budget >= every_call);
            assert!(t.stale_after > t.call_budget);
            assert!(t.unknown_grace >= t.stale_after + SEARCH_LAG);
        }
    }
}
