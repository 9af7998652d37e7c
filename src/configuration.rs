//! Settings from environment variables (see the README table and `.env.example`).
//!
//! With no `MP_ACCESS_TOKEN` the store runs in sandbox mode: it mounts the offline emulator
//! of Mercado Pago on its own address and needs no credentials. Errors name the variable
//! and never print a secret's value.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::domain::Site;

#[derive(Debug, thiserror::Error)]
#[error("configuration: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

pub fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// Which Mercado Pago the store talks to.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Real credentials: `MP_API_BASE` and `MP_SDK_URL` as configured.
    Live { api_base: Url, sdk_url: Url },
    /// No credentials: the emulator under `/sandbox/mp` on this server.
    Sandbox,
}

#[derive(Debug, Clone)]
pub struct MercadoPagoSettings {
    pub mode: Mode,
    pub access_token: SecretString,
    pub public_key: String,
    pub webhook_secret: SecretString,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// Refund a second approved payment of an already paid order at once, instead of only
    /// flagging it for the merchant.
    pub refund_duplicates: bool,
}

/// Bounds on payment attempts, against card testing.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Calls to Mercado Pago one order may take.
    pub per_order: i32,
    /// Calls to Mercado Pago one shopper may cause in an hour, over all their orders.
    pub per_shopper_hour: i64,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretString,
    pub site: Site,
    pub mercadopago: MercadoPagoSettings,
    /// Public URL of the store; `None` means "the address we bind", known after binding.
    pub app_base_url: Option<Url>,
    pub session_key: SecretString,
    /// How often the reconciliation worker looks for undecided orders.
    pub reconcile_interval: Duration,
    /// Sandbox only: how long the emulator waits before answering a payment (load tests).
    pub sandbox_delay: Duration,
    /// How long a Pix code stays payable (Mercado Pago allows 30 minutes to 30 days).
    pub pix_expiration: Duration,
    /// How long a wallet preference stays payable.
    pub preference_expiration: Duration,
    /// How often the worker searches the payments Mercado Pago changed lately.
    pub sweep_interval: Duration,
    pub attempt_limits: AttemptLimits,
    /// Trusted proxies and rate limits (`TRUSTED_PROXIES`, `RATE_LIMIT_*`).
    pub limits: crate::limits::LimitSettings,
    pub host: String,
    pub port: u16,
}

/// Sandbox credentials look like Mercado Pago's test ones, which the emulator requires.
pub const SANDBOX_ACCESS_TOKEN: &str = "TEST-0000000000000000-000000-sandbox-access-token";
pub const SANDBOX_PUBLIC_KEY: &str = "TEST-sandbox-public-key";
const SANDBOX_WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = get("DATABASE_URL").ok_or_else(|| {
            problem(
                "DATABASE_URL",
                "is not set (for example postgres://postgres@127.0.0.1:5432/checkout)",
            )
        })?;
        if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
            return Err(problem("DATABASE_URL", "must be a postgres:// URL"));
        }
        let access_token = get("MP_ACCESS_TOKEN");
        let live = access_token.is_some();
        let site = match get("MP_SITE") {
            Some(raw) => Site::parse(raw.trim()).map_err(|m| problem("MP_SITE", m))?,
            None if live => {
                return Err(problem(
                    "MP_SITE",
                    "is required with MP_ACCESS_TOKEN (MLB, MLA, MLM, MPE, MCO, MLU or MLC)",
                ))
            }
            None => Site::Mlb,
        };
        let host = get("HOST").unwrap_or_else(|| "127.0.0.1".to_string());
        let port = match get("PORT") {
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|_| problem("PORT", "must be a port number (0-65535)"))?,
            None => 8000,
        };
        let app_base_url = match get("APP_BASE_URL") {
            Some(raw) => Some(parse_url("APP_BASE_URL", &raw)?),
            None if live => {
                return Err(problem(
                    "APP_BASE_URL",
                    "is required with MP_ACCESS_TOKEN: the public https URL of the store",
                ))
            }
            None => None,
        };
        let session_key = match get("SESSION_KEY") {
            Some(key) if key.len() >= 64 => key,
            Some(_) => {
                return Err(problem(
                    "SESSION_KEY",
                    "must be at least 64 characters (openssl rand -hex 32)",
                ))
            }
            None if live => {
                return Err(problem(
                    "SESSION_KEY",
                    "is required with MP_ACCESS_TOKEN (openssl rand -hex 32)",
                ))
            }
            // Sandbox sessions only need to outlive one run.
            None => format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
        };
        let seconds = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(name) {
                Some(raw) => match raw.trim().parse::<u64>() {
                    Ok(s) if (1..=120).contains(&s) => Ok(Duration::from_secs(s)),
                    _ => Err(problem(
                        name,
                        "must be a whole number of seconds from 1 to 120",
                    )),
                },
                None => Ok(Duration::from_secs(default)),
            }
        };
        let connect_timeout = seconds("MP_CONNECT_TIMEOUT_SECS", 3)?;
        let timeout = seconds("MP_TIMEOUT_SECS", 12)?;
        let number = |name: &'static str, range: std::ops::RangeInclusive<u64>, default: u64| {
            match get(name) {
                Some(raw) => match raw.trim().parse::<u64>() {
                    Ok(n) if range.contains(&n) => Ok(n),
                    _ => Err(problem(
                        name,
                        format!(
                            "must be a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )),
                },
                None => Ok(default),
            }
        };
        let refund_duplicates = match get("MP_REFUND_DUPLICATES").as_deref().map(str::trim) {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => return Err(problem("MP_REFUND_DUPLICATES", "must be true or false")),
        };
        let mercadopago = match access_token {
            Some(token) => MercadoPagoSettings {
                mode: Mode::Live {
                    api_base: parse_url(
                        "MP_API_BASE",
                        &get("MP_API_BASE").unwrap_or_else(|| "https://api.mercadopago.com".into()),
                    )?,
                    sdk_url: parse_url(
                        "MP_SDK_URL",
                        &get("MP_SDK_URL")
                            .unwrap_or_else(|| "https://sdk.mercadopago.com/js/v2".into()),
                    )?,
                },
                access_token: SecretString::from(token),
                public_key: get("MP_PUBLIC_KEY")
                    .ok_or_else(|| problem("MP_PUBLIC_KEY", "is required with MP_ACCESS_TOKEN"))?,
                webhook_secret: SecretString::from(get("MP_WEBHOOK_SECRET").ok_or_else(|| {
                    problem("MP_WEBHOOK_SECRET", "is required with MP_ACCESS_TOKEN")
                })?),
                connect_timeout,
                timeout,
                refund_duplicates,
            },
            None => MercadoPagoSettings {
                mode: Mode::Sandbox,
                access_token: SecretString::from(SANDBOX_ACCESS_TOKEN),
                public_key: SANDBOX_PUBLIC_KEY.to_string(),
                webhook_secret: SecretString::from(
                    get("MP_WEBHOOK_SECRET").unwrap_or_else(|| SANDBOX_WEBHOOK_SECRET.into()),
                ),
                connect_timeout,
                timeout,
                refund_duplicates,
            },
        };
        Ok(Self {
            database_url: SecretString::from(database_url),
            site,
            mercadopago,
            app_base_url,
            session_key: SecretString::from(session_key),
            reconcile_interval: match get("RECONCILE_INTERVAL_SECS") {
                Some(raw) => match raw.trim().parse::<u64>() {
                    Ok(s) if s >= 1 => Duration::from_secs(s),
                    _ => {
                        return Err(problem(
                            "RECONCILE_INTERVAL_SECS",
                            "must be a whole number of seconds, at least 1",
                        ))
                    }
                },
                None => Duration::from_secs(30),
            },
            sandbox_delay: match get("SANDBOX_RESPONSE_DELAY_MS") {
                Some(raw) => Duration::from_millis(raw.trim().parse().map_err(|_| {
                    problem(
                        "SANDBOX_RESPONSE_DELAY_MS",
                        "must be a whole number of milliseconds",
                    )
                })?),
                None => Duration::ZERO,
            },
            // Mercado Pago refuses less than 30 minutes from when *it* reads the request; 35 keeps
            // a slow call and a skewed clock clear of that edge.
            pix_expiration: Duration::from_secs(
                60 * number("PIX_EXPIRATION_MINUTES", 35..=43_200, 60)?,
            ),
            preference_expiration: Duration::from_secs(
                60 * number("PREFERENCE_EXPIRATION_MINUTES", 10..=10_080, 120)?,
            ),
            sweep_interval: Duration::from_secs(number("SWEEP_INTERVAL_SECS", 1..=3_600, 60)?),
            attempt_limits: AttemptLimits {
                per_order: number("MAX_ATTEMPTS_PER_ORDER", 1..=100, 5)? as i32,
                per_shopper_hour: number("MAX_ATTEMPTS_PER_SHOPPER", 1..=1_000, 10)? as i64,
            },
            limits: crate::limits::LimitSettings::from_lookup(&get)?,
            host,
            port,
        })
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self.mercadopago.mode, Mode::Sandbox)
    }

    pub fn session_key_bytes(&self) -> &[u8] {
        self.session_key.expose_secret().as_bytes()
    }
}

fn parse_url(variable: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(raw.trim()).map_err(|e| problem(variable, format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(problem(variable, "must be an http(s) URL with a host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn live() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/checkout"),
            ("MP_ACCESS_TOKEN", "APP_USR-secret-token-value"),
            ("MP_PUBLIC_KEY", "APP_USR-public"),
            ("MP_WEBHOOK_SECRET", "whsec-value"),
            ("MP_SITE", "MLA"),
            ("APP_BASE_URL", "https://shop.example.com"),
            ("SESSION_KEY", KEY),
        ])
    }

    fn load(vars: &HashMap<&'static str, &'static str>) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|k| vars.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn live_settings_load() {
        let s = load(&live()).unwrap();
        assert_eq!(s.site, Site::Mla);
        assert!(!s.is_sandbox());
        assert_eq!(s.port, 8000);
    }

    #[test]
    fn no_access_token_means_sandbox() {
        let vars = HashMap::from([("DATABASE_URL", "postgres://localhost/x")]);
        let s = load(&vars).unwrap();
        assert!(s.is_sandbox());
        assert_eq!(s.site, Site::Mlb);
        assert!(s
            .mercadopago
            .access_token
            .expose_secret()
            .starts_with("TEST-"));
    }

    #[test]
    fn each_bad_value_names_its_variable_and_hides_secrets() {
        let cases: [(&str, Option<&str>); 10] = [
            ("DATABASE_URL", None),
            ("DATABASE_URL", Some("mysql://x")),
            ("MP_SITE", Some("XXX")),
            ("MP_SITE", None),
            ("PORT", Some("eighty")),
            ("APP_BASE_URL", Some("not a url")),
            ("SESSION_KEY", Some("short-secret-session-key")),
            ("MP_PUBLIC_KEY", None),
            ("MP_WEBHOOK_SECRET", None),
            ("MP_TIMEOUT_SECS", Some("0")),
        ];
        for (var, value) in cases {
            let mut vars = live();
            match value {
                Some(v) => vars.insert(var, v),
                None => vars.remove(var),
            };
            let err = load(&vars).unwrap_err();
            assert_eq!(err.variable, var);
            let text = err.to_string();
            assert!(text.contains(var));
            for secret in [
                "secret-token-value",
                "whsec-value",
                KEY,
                "short-secret-session-key",
            ] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let s = load(&live()).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("secret-token-value"));
        assert!(!shown.contains("whsec-value"));
        assert!(!shown.contains(KEY));
    }
}
