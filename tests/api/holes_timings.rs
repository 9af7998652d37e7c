//! Hole 2: every wait of a payment attempt derived in one place, so that no attempt is declared
//! abandoned (and a new idempotency key minted) while one of its calls can still land.
//! Not declared in `main.rs` until `checkout::domain::timings` exists; then add
//! `mod holes_timings;`.

use std::time::Duration;

use checkout::domain::timings::Timings;

#[test]
fn hole_02_no_attempt_is_declared_abandoned_while_its_calls_can_land() {
    let secs = Duration::from_secs;
    for (connect, timeout) in [
        (secs(3), secs(12)), // the defaults
        (secs(1), secs(2)),  // the tests'
        (secs(1), secs(1)),
        (secs(1), secs(6)),
        (secs(5), secs(30)),
        (secs(10), secs(120)),
        (Duration::from_millis(500), Duration::from_millis(1_500)),
    ] {
        let t = Timings::derive(connect, timeout);
        let case = format!(
            "connect {connect:?}, timeout {timeout:?}: call_budget {:?}, stale_after {:?}, unknown_grace {:?}",
            t.call_budget, t.stale_after, t.unknown_grace
        );
        assert!(
            t.call_budget >= (connect + timeout) * 3,
            "{case}: the budget covers three calls of connect + timeout"
        );
        assert!(
            t.stale_after > t.call_budget,
            "{case}: an attempt is stale only after all its calls and sleeps are over"
        );
        assert!(
            t.unknown_grace >= t.stale_after,
            "{case}: nothing found is believed only once no call can land"
        );
    }
}

#[test]
fn hole_02_longer_timeouts_never_shorten_the_waits() {
    let secs = Duration::from_secs;
    let short = Timings::derive(secs(3), secs(12));
    let long = Timings::derive(secs(3), secs(30));
    assert!(long.call_budget >= short.call_budget);
    assert!(long.stale_after >= short.stale_after);
    assert!(long.unknown_grace >= short.unknown_grace);
}
