//! Who may read `/metrics`. With `METRICS_TOKEN` set, whoever presents it as a bearer token.
//! Without it, only a peer on loopback or a private network: Prometheus next to the store.
//! The peer is the TCP peer, never `X-Forwarded-For`, which any client can write; a reverse
//! proxy is itself a private peer, so it must not pass `/metrics` through (the Caddyfile
//! answers 404 there).

use std::net::IpAddr;

use secrecy::{ExposeSecret, SecretString};

use crate::env::{problem, ConfigError};
use crate::session::constant_time_eq;

/// `METRICS_TOKEN`.
#[derive(Debug, Clone, Default)]
pub struct MetricsSettings {
    pub token: Option<SecretString>,
}

const MIN_TOKEN: usize = 16;

impl MetricsSettings {
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let token = match get("METRICS_TOKEN") {
            None => None,
            Some(t) if t.len() < MIN_TOKEN || t.chars().any(|c| c.is_whitespace()) => {
                return Err(problem(
                    "METRICS_TOKEN",
                    "must be at least 16 characters without spaces (openssl rand -hex 16)",
                ))
            }
            Some(t) => Some(SecretString::from(t)),
        };
        Ok(Self { token })
    }
}

/// Why a scrape was refused: a short text, the status says the rest.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token is configured and the peer is not on a private network: as if not there.
    NotHere,
    /// A token is configured and was not presented, or not this one.
    BadToken,
}

pub(super) struct Access {
    token: Option<SecretString>,
}

impl Access {
    pub fn new(settings: MetricsSettings) -> Self {
        Self {
            token: settings.token,
        }
    }

    /// `authorization` is the request's `Authorization` header, `peer` its TCP peer.
    pub fn check(&self, peer: Option<IpAddr>, authorization: Option<&str>) -> Result<(), Refusal> {
        match &self.token {
            Some(token) => {
                let presented = authorization
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .map(str::trim)
                    .unwrap_or("");
                if constant_time_eq(presented.as_bytes(), token.expose_secret().as_bytes()) {
                    Ok(())
                } else {
                    Err(Refusal::BadToken)
                }
            }
            None if peer.is_some_and(is_private) => Ok(()),
            None => Err(Refusal::NotHere),
        }
    }
}

/// Loopback, 10/8, 172.16/12, 192.168/16, fc00::/7 (an IPv4 address mapped into IPv6 counts
/// as itself).
pub fn is_private(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_loopback_peers_are_private() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.28.0.5",
            "172.31.255.255",
            "192.168.1.20",
            "::1",
            "fc00::1",
            "fd12:3456::9",
            "::ffff:10.0.0.7",
        ] {
            assert!(is_private(ip(private)), "{private} is private");
        }
        for public in [
            "8.8.8.8",
            "172.15.0.1",
            "172.32.0.1",
            "192.169.0.1",
            "100.64.0.1",
            "169.254.1.1",
            "2001:db8::1",
            "fe80::1",
            "::ffff:8.8.8.8",
            "0.0.0.0",
        ] {
            assert!(!is_private(ip(public)), "{public} is public");
        }
    }

    #[test]
    fn without_a_token_only_private_peers_may_read() {
        let open = Access::new(MetricsSettings::default());
        assert_eq!(open.check(Some(ip("10.0.0.2")), None), Ok(()));
        assert_eq!(
            open.check(Some(ip("203.0.113.9")), None),
            Err(Refusal::NotHere)
        );
        assert_eq!(open.check(None, None), Err(Refusal::NotHere));
    }

    #[test]
    fn with_a_token_it_is_required_even_from_loopback() {
        let guarded = Access::new(MetricsSettings {
            token: Some(SecretString::from("0123456789abcdef0123")),
        });
        let local = Some(ip("127.0.0.1"));
        assert_eq!(guarded.check(local, None), Err(Refusal::BadToken));
        assert_eq!(
            guarded.check(local, Some("Bearer wrong-token-wrong-token")),
            Err(Refusal::BadToken)
        );
        assert_eq!(
            guarded.check(local, Some("Basic 0123456789abcdef0123")),
            Err(Refusal::BadToken)
        );
        assert_eq!(
            guarded.check(Some(ip("203.0.113.9")), Some("Bearer 0123456789abcdef0123")),
            Ok(())
        );
    }

    #[test]
    fn a_short_token_is_a_configuration_error() {
        let short = |name: &str| (name == "METRICS_TOKEN").then(|| "abc".to_string());
        assert!(MetricsSettings::from_lookup(&short).is_err());
        let none = |_: &str| None;
        assert!(MetricsSettings::from_lookup(&none).unwrap().token.is_none());
    }
}
