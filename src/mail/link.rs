//! The signed, expiring link to a shopper's order page (`/orders/{id}?t=<token>`), so the
//! e-mail opens the order without the session cookie of the browser that placed it.
//!
//! The token is `<expiry as unix seconds>.<HMAC-SHA256 in hex>` over the order id and that
//! expiry, keyed by a key derived from `SESSION_KEY` (rotating the session key therefore also
//! retires every link sent). It proves who may read the order, so it is compared in constant
//! time and never logged.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use crate::domain::OrderId;

type HmacSha256 = Hmac<Sha256>;

/// Why a link does not open its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    /// Not a token this store made for this order (edited, truncated, another order's).
    #[error("the order link's signature does not match")]
    Tampered,
    /// A token this store made, past its expiry.
    #[error("the order link has expired")]
    Expired,
}

/// Signs and checks order links.
pub struct OrderLinks {
    key: SecretSlice<u8>,
    valid_for: Duration,
}

impl std::fmt::Debug for OrderLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderLinks")
            .field("valid_for", &self.valid_for)
            .finish_non_exhaustive()
    }
}

impl OrderLinks {
    /// Links valid for `valid_for`, keyed by a key derived from `session_key` (a key of its
    /// own, so the cookie's key and the links' never sign each other's data).
    pub fn new(session_key: &[u8], valid_for: std::time::Duration) -> Self {
        let mut mac = HmacSha256::new_from_slice(session_key).expect("HMAC takes any key length");
        mac.update(b"checkout order link key v1");
        let key = mac.finalize().into_bytes().to_vec();
        Self {
            key: SecretSlice::from(key),
            valid_for: Duration::try_from(valid_for).unwrap_or(Duration::days(30)),
        }
    }

    fn mac(&self, order: OrderId, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes any key length");
        mac.update(format!("order:{}:{expires}", order.0).as_bytes());
        mac
    }

    /// A token for `order`, valid from `now` for the configured time.
    pub fn token(&self, order: OrderId, now: OffsetDateTime) -> String {
        let expires = (now + self.valid_for).unix_timestamp();
        let tag = hex::encode(self.mac(order, expires).finalize().into_bytes());
        format!("{expires}.{tag}")
    }

    /// The path of the order page with a fresh token.
    pub fn path(&self, order: OrderId, now: OffsetDateTime) -> String {
        format!("/orders/{}?t={}", order.0, self.token(order, now))
    }

    /// Whether `token` opens `order` at `now`. The signature is checked before the expiry, so
    /// an edited expiry is "tampered", never "expired".
    pub fn verify(
        &self,
        order: OrderId,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<(), LinkProblem> {
        let (expires, tag) = token.split_once('.').ok_or(LinkProblem::Tampered)?;
        let expires: i64 = expires.parse().map_err(|_| LinkProblem::Tampered)?;
        let tag = hex::decode(tag).map_err(|_| LinkProblem::Tampered)?;
        self.mac(order, expires)
            .verify_slice(&tag)
            .map_err(|_| LinkProblem::Tampered)?;
        if now.unix_timestamp() > expires {
            return Err(LinkProblem::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> OrderLinks {
        OrderLinks::new(
            b"a session key of some length",
            std::time::Duration::from_secs(86_400),
        )
    }

    #[test]
    fn a_token_opens_its_order_until_it_expires() {
        let (l, order, now) = (links(), OrderId::new(), OffsetDateTime::now_utc());
        let token = l.token(order, now);
        assert_eq!(l.verify(order, &token, now), Ok(()));
        assert_eq!(l.verify(order, &token, now + Duration::hours(23)), Ok(()));
        assert_eq!(
            l.verify(order, &token, now + Duration::hours(25)),
            Err(LinkProblem::Expired)
        );
    }

    #[test]
    fn an_edited_token_or_another_orders_is_refused() {
        let (l, order, now) = (links(), OrderId::new(), OffsetDateTime::now_utc());
        let token = l.token(order, now);
        let (expires, tag) = token.split_once('.').unwrap();
        let later = format!("{}.{tag}", expires.parse::<i64>().unwrap() + 86_400 * 365);
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        for bad in [
            later,
            String::from_utf8(flipped).unwrap(),
            String::new(),
            "garbage".into(),
            format!("{expires}."),
            format!("{expires}.zz"),
        ] {
            assert_eq!(
                l.verify(order, &bad, now),
                Err(LinkProblem::Tampered),
                "{bad}"
            );
        }
        assert_eq!(
            l.verify(OrderId::new(), &token, now),
            Err(LinkProblem::Tampered)
        );
        let other_key = OrderLinks::new(b"another key", std::time::Duration::from_secs(86_400));
        assert_eq!(
            other_key.verify(order, &token, now),
            Err(LinkProblem::Tampered)
        );
    }
}
