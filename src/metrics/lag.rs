//! When each kept notification was signed, until its payment is applied: the webhook lag.
//! In memory only, so a notification applied by another instance, or after a restart, adds
//! no lag observation here (it is still counted as applied). Bounded: past `CAP` entries the
//! ones older than `FORGET_AFTER` are dropped, and if none are, new ones are not tracked.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const CAP: usize = 10_000;
/// Longer than the worker's longest pause between re-drives (an hour).
const FORGET_AFTER: Duration = Duration::from_secs(6 * 3600);

#[derive(Default)]
pub struct Signed {
    at: Mutex<HashMap<i64, SystemTime>>,
}

impl Signed {
    /// `ts` as in `x-signature`: milliseconds since the epoch (seconds are accepted too).
    pub fn remember(&self, notification_id: i64, ts: &str) {
        let Some(signed) = parse_ts(ts) else {
            return;
        };
        let mut at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        if at.len() >= CAP {
            let now = SystemTime::now();
            at.retain(|_, t| now.duration_since(*t).unwrap_or_default() < FORGET_AFTER);
            if at.len() >= CAP {
                return;
            }
        }
        at.insert(notification_id, signed);
    }

    /// The lag of each of these notifications that is tracked, forgetting them.
    pub fn take(&self, notification_ids: &[i64]) -> Vec<Duration> {
        let now = SystemTime::now();
        let mut at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        notification_ids
            .iter()
            .filter_map(|id| at.remove(id))
            // A clock of Mercado Pago's ahead of ours is no lag.
            .map(|signed| now.duration_since(signed).unwrap_or_default())
            .collect()
    }
}

/// Mercado Pago sends milliseconds (`ts=1742505638683`); a 10-digit value is read as seconds.
fn parse_ts(ts: &str) -> Option<SystemTime> {
    let n: u64 = ts.trim().parse().ok()?;
    let since_epoch = if n >= 100_000_000_000 {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n)
    };
    UNIX_EPOCH.checked_add(since_epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_from_the_signature_time_and_counted_once() {
        let signed = Signed::default();
        let ago = SystemTime::now() - Duration::from_secs(90);
        let ms = ago.duration_since(UNIX_EPOCH).unwrap().as_millis();
        signed.remember(1, &ms.to_string());
        signed.remember(2, "not a time");
        let lags = signed.take(&[1, 2, 3]);
        assert_eq!(lags.len(), 1);
        assert!(lags[0] >= Duration::from_secs(90) && lags[0] < Duration::from_secs(100));
        assert!(signed.take(&[1]).is_empty());
    }

    #[test]
    fn seconds_and_milliseconds_are_both_understood() {
        assert_eq!(
            parse_ts("1742505638683"),
            UNIX_EPOCH.checked_add(Duration::from_millis(1_742_505_638_683))
        );
        assert_eq!(
            parse_ts("1742505638"),
            UNIX_EPOCH.checked_add(Duration::from_secs(1_742_505_638))
        );
    }
}
