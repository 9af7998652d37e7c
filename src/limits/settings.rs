//! The limits' settings: `TRUSTED_PROXIES` and `RATE_LIMIT_*` (README table, `.env.example`).

use crate::env::{env_number, problem, ConfigError};

use super::limiter::Rate;
use super::proxies::TrustedProxies;

/// A route's budgets per minute; `None` is no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteLimits {
    pub per_ip: Option<Rate>,
    pub per_session: Option<Rate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    pub trusted_proxies: TrustedProxies,
    pub checkout: RouteLimits,
    pub payment: RouteLimits,
    pub order_return: RouteLimits,
    pub admin_login: RouteLimits,
    /// Keys the limiter remembers at most, so that a flood of addresses has a memory ceiling.
    pub max_keys: usize,
}

/// Defaults per minute (per address, per session). A shopper opens the checkout, pays and
/// comes back a handful of times a minute at most; a session can be held to that. One
/// address can be thousands of shoppers behind a carrier's NAT (common on Latin American
/// mobile networks), so its budgets are many sessions' worth and only stop floods.
const CHECKOUT: (u32, u32) = (1200, 60);
/// A real payment takes seconds at the Brick; Mercado Pago calls are further limited per
/// order and per shopper (`MAX_ATTEMPTS_*`). Replays of a double submit count here too.
const PAYMENT: (u32, u32) = (600, 20);
const ORDER_RETURN: (u32, u32) = (1200, 60);
/// Failed sign-ins are limited in the database (5 per 15 minutes); this keeps floods of
/// sign-in posts from reaching it and Argon2 at all.
const ADMIN_LOGIN: (u32, u32) = (30, 10);
const MAX_PER_MINUTE: u32 = 1_000_000;

impl LimitSettings {
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            Some(list) => {
                TrustedProxies::parse(&list).map_err(|m| problem("TRUSTED_PROXIES", m))?
            }
            None => TrustedProxies::default(),
        };
        let per_minute = |name: &'static str, default: u32| -> Result<Option<Rate>, ConfigError> {
            let n = match get(name) {
                Some(raw) => match raw.trim().parse::<u32>() {
                    Ok(n) if n <= MAX_PER_MINUTE => n,
                    _ => {
                        return Err(problem(
                            name,
                            format!("must be a whole number of requests per minute from 0 (no limit) to {MAX_PER_MINUTE}"),
                        ))
                    }
                },
                None => default,
            };
            Ok(Rate::per_minute(n))
        };
        let route = |ip: &'static str, session: &'static str, (ip_default, session_default)| {
            Ok::<_, ConfigError>(RouteLimits {
                per_ip: per_minute(ip, ip_default)?,
                per_session: per_minute(session, session_default)?,
            })
        };
        let max_keys = env_number(
            get,
            "RATE_LIMIT_MAX_KEYS",
            1_000..=10_000_000,
            100_000,
            "a whole number",
        )?;
        Ok(Self {
            trusted_proxies,
            checkout: route(
                "RATE_LIMIT_CHECKOUT_PER_IP",
                "RATE_LIMIT_CHECKOUT_PER_SESSION",
                CHECKOUT,
            )?,
            payment: route(
                "RATE_LIMIT_PAYMENT_PER_IP",
                "RATE_LIMIT_PAYMENT_PER_SESSION",
                PAYMENT,
            )?,
            order_return: route(
                "RATE_LIMIT_RETURN_PER_IP",
                "RATE_LIMIT_RETURN_PER_SESSION",
                ORDER_RETURN,
            )?,
            admin_login: route(
                "RATE_LIMIT_LOGIN_PER_IP",
                "RATE_LIMIT_LOGIN_PER_SESSION",
                ADMIN_LOGIN,
            )?,
            max_keys: usize::try_from(max_keys).expect("at most 10000000"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<LimitSettings, ConfigError> {
        LimitSettings::from_lookup(&crate::env::pairs(vars))
    }

    #[test]
    fn defaults_limit_every_route_and_trust_no_proxy() {
        let s = load(&[]).unwrap();
        assert!(s.trusted_proxies.is_empty());
        for route in [s.checkout, s.payment, s.order_return, s.admin_login] {
            assert!(route.per_ip.is_some() && route.per_session.is_some());
        }
        assert_eq!(s.payment.per_session, Rate::per_minute(20));
        assert_eq!(s.max_keys, 100_000);
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let s = load(&[("RATE_LIMIT_PAYMENT_PER_IP", "0")]).unwrap();
        assert_eq!(s.payment.per_ip, None);
        assert!(s.payment.per_session.is_some());
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("TRUSTED_PROXIES", "10.0.0.0/8, caddy"),
            ("TRUSTED_PROXIES", "10.0.0.0/40"),
            ("RATE_LIMIT_CHECKOUT_PER_IP", "-1"),
            ("RATE_LIMIT_LOGIN_PER_SESSION", "lots"),
            ("RATE_LIMIT_RETURN_PER_IP", "1000001"),
            ("RATE_LIMIT_MAX_KEYS", "10"),
        ] {
            let err = load(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var);
        }
        let err = load(&[("TRUSTED_PROXIES", "10.0.0.0/8, caddy")]).unwrap_err();
        assert!(err.to_string().contains("`caddy`"), "{err}");
    }
}
