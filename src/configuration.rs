//! Settings from environment variables (see the README table and `.env.example`).
//!
//! Sandbox mode (the offline emulator of Mercado Pago mounted on the store's own address, no
//! credentials) runs only when asked for with `MP_MODE=sandbox`, or when nothing is configured
//! and the store is on a loopback address: the emulator's control API must never face the
//! internet by accident. Errors name the variable and never print a secret's value.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::db::attempts::AttemptLimits;
use crate::domain::Site;
pub use crate::env::{env_number, flag, problem, ConfigError};

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

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretString,
    /// `PGSSLMODE` is set: its TLS choice stands even for a database on this machine
    /// (`db::connect`).
    pub database_sslmode_from_env: bool,
    pub site: Site,
    pub mercadopago: MercadoPagoSettings,
    /// Public URL of the store; `None` means "the address we bind", known after binding.
    pub app_base_url: Option<Url>,
    pub session_key: SecretString,
    /// How often the reconciliation worker looks for undecided orders.
    pub reconcile_interval: Duration,
    /// Sandbox only: how long the emulator waits before answering a payment (load tests).
    pub sandbox_delay: Duration,
    /// Worker threads of the emulator run alone (`checkout sandbox`, `SANDBOX_WORKERS`).
    pub sandbox_workers: usize,
    /// How long a Pix code stays payable (Mercado Pago allows 30 minutes to 30 days).
    pub pix_expiration: Duration,
    /// How long a wallet preference stays payable.
    pub preference_expiration: Duration,
    /// How often the worker searches the payments Mercado Pago changed lately.
    pub sweep_interval: Duration,
    pub attempt_limits: AttemptLimits,
    pub csp: CspSettings,
    /// How long a stopping store waits for requests in flight (a payment call among them).
    pub shutdown_grace: Duration,
    /// How long a request waits for a pooled database connection: shoppers queue here when
    /// thousands pay at once, so it is patience, not a health check (`/readyz` has its own).
    pub database_acquire_timeout: Duration,
    /// Connections to PostgreSQL. More than the database's cores can run at once only make
    /// them wait for each other and for the store's own threads (on 2 cores, 20 against 10 doubled
    /// the storefront's p99 while 10,000 paid, for no more payments a second).
    pub database_max_connections: u32,
    /// Mercado Pago calls in flight at once; the rest wait their turn, holding nothing.
    pub mp_max_concurrent_calls: usize,
    /// How long a call waits for one of those turns before the shopper is told to try again
    /// (503): a Mercado Pago that hangs must not grow a queue without bound.
    pub mp_queue_wait: Duration,
    /// Payments past the door at once (`/process_payment`); the others wait at the door holding
    /// only their connection, so a crowd costs memory per shopper, not per payment in progress.
    pub payment_max_in_progress: usize,
    /// How long a payment waits at that door before the shopper is told to try again (503).
    pub payment_queue_wait: Duration,
    /// How long after a webhook arrives its payment is re-read: long enough for the checkout
    /// to record the answer of the call that made the payment, so the two do not race.
    pub webhook_reread_delay: Duration,
    /// An order older than this is re-priced against the catalog before it is paid.
    pub order_freshness: Duration,
    /// An order still unpaid (and with no payment under way) after this is cancelled.
    pub unpaid_order_expiry: Duration,
    /// The largest product picture the back office accepts, in bytes.
    pub picture_max_bytes: usize,
    /// How long opening the checkout holds the order's units of products with a stock.
    pub stock_reservation: Duration,
    pub metrics: crate::metrics::MetricsSettings,
    /// Trusted proxies and rate limits (`TRUSTED_PROXIES`, `RATE_LIMIT_*`).
    pub limits: crate::limits::LimitSettings,
    /// 3-D Secure, statement descriptor, binary mode, Status Screen (`MP_THREE_DS`...).
    pub approval: crate::payments::approval::ApprovalSettings,
    /// E-mail and the signed order link (`SMTP_URL`, `MAIL_FROM`, `MERCHANT_EMAIL`,
    /// `ORDER_LINK_DAYS`, `MAIL_INTERVAL_SECS`).
    pub mail: crate::mail::MailSettings,
    pub host: String,
    pub port: u16,
}

/// The Content-Security-Policy beyond what the store and the Brick need.
#[derive(Debug, Clone, Default)]
pub struct CspSettings {
    /// Send the policy as `Content-Security-Policy-Report-Only`: violations are reported to
    /// `/csp-report`, nothing is blocked. For a first go-live.
    pub report_only: bool,
    /// Further sources (`https://cdn.example.com`) allowed for scripts, frames, images,
    /// styles, fonts and connections.
    pub extra_hosts: Vec<String>,
}

/// Sandbox credentials look like Mercado Pago's test ones, which the emulator requires.
pub const SANDBOX_ACCESS_TOKEN: &str = "TEST-0000000000000000-000000-sandbox-access-token";
pub const SANDBOX_PUBLIC_KEY: &str = "TEST-sandbox-public-key";
pub const SANDBOX_WEBHOOK_SECRET: &str = "sandbox-webhook-secret";

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = database_url(&get)?;
        let host = get("HOST").unwrap_or_else(|| "127.0.0.1".to_string());
        let live = decide_live(&get, &host)?;
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
        let port = match get("PORT") {
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|_| problem("PORT", "must be a port number (0-65535)"))?,
            None => 8000,
        };
        let number =
            |name, range, default| env_number(&get, name, range, default, "a whole number");
        let secs = |name, range, default| {
            env_number(&get, name, range, default, "a whole number of seconds")
                .map(Duration::from_secs)
        };
        let minutes = |name, range, default| number(name, range, default).map(|m| m * 60);
        Ok(Self {
            database_url: SecretString::from(database_url),
            database_sslmode_from_env: get("PGSSLMODE").is_some(),
            site,
            mercadopago: mercadopago(&get, live)?,
            app_base_url: app_base_url(&get, live)?,
            session_key: SecretString::from(session_key(&get, live)?),
            reconcile_interval: secs("RECONCILE_INTERVAL_SECS", 1..=86_400, 30)?,
            sandbox_delay: Duration::from_millis(env_number(
                &get,
                "SANDBOX_RESPONSE_DELAY_MS",
                0..=600_000,
                0,
                "a whole number of milliseconds",
            )?),
            sandbox_workers: number("SANDBOX_WORKERS", 1..=64, 1)? as usize,
            // Mercado Pago refuses less than 30 minutes from when *it* reads the request; 35 keeps
            // a slow call and a skewed clock clear of that edge.
            pix_expiration: Duration::from_secs(minutes(
                "PIX_EXPIRATION_MINUTES",
                35..=43_200,
                60,
            )?),
            preference_expiration: Duration::from_secs(minutes(
                "PREFERENCE_EXPIRATION_MINUTES",
                10..=10_080,
                120,
            )?),
            sweep_interval: secs("SWEEP_INTERVAL_SECS", 1..=3_600, 60)?,
            attempt_limits: AttemptLimits {
                per_order: number("MAX_ATTEMPTS_PER_ORDER", 1..=100, 5)? as i32,
                per_shopper_hour: number("MAX_ATTEMPTS_PER_SHOPPER", 1..=1_000, 10)? as i64,
            },
            csp: CspSettings {
                report_only: flag(&get, "CSP_REPORT_ONLY")?,
                extra_hosts: csp_hosts(get("CSP_EXTRA_HOSTS").as_deref().unwrap_or(""))?,
            },
            shutdown_grace: secs("SHUTDOWN_GRACE_SECS", 1..=600, 30)?,
            database_acquire_timeout: secs("DATABASE_ACQUIRE_TIMEOUT_SECS", 1..=120, 30)?,
            // Four are kept for pages, the workers and transactions (`db::lending`).
            database_max_connections: number("DATABASE_MAX_CONNECTIONS", 6..=1_000, 10)? as u32,
            mp_max_concurrent_calls: number("MP_MAX_CONCURRENT_CALLS", 1..=10_000, 1_024)? as usize,
            mp_queue_wait: secs("MP_QUEUE_WAIT_SECS", 1..=120, 10)?,
            payment_max_in_progress: number("PAYMENT_MAX_IN_PROGRESS", 1..=100_000, 512)? as usize,
            payment_queue_wait: secs("PAYMENT_QUEUE_WAIT_SECS", 1..=600, 30)?,
            webhook_reread_delay: Duration::from_millis(env_number(
                &get,
                "WEBHOOK_REREAD_DELAY_MS",
                0..=60_000,
                1_000,
                "a whole number of milliseconds",
            )?),
            order_freshness: Duration::from_secs(minutes(
                "ORDER_FRESHNESS_MINUTES",
                1..=1_440,
                30,
            )?),
            unpaid_order_expiry: Duration::from_secs(
                3600 * number("UNPAID_ORDER_EXPIRY_HOURS", 1..=720, 24)?,
            ),
            picture_max_bytes: number("PICTURE_MAX_BYTES", 65_536..=52_428_800, 5_242_880)?
                as usize,
            stock_reservation: Duration::from_secs(minutes(
                "STOCK_RESERVATION_MINUTES",
                1..=1_440,
                15,
            )?),
            metrics: crate::metrics::MetricsSettings::from_lookup(&get)?,
            limits: crate::limits::LimitSettings::from_lookup(&get)?,
            approval: crate::payments::approval::ApprovalSettings::from_lookup(&get)?,
            mail: crate::mail::MailSettings::from_lookup(&get)?,
            host,
            port,
        })
        .and_then(refuse_sandbox_secrets)
    }

    /// How the store reaches PostgreSQL (`db::connect`): the store and the doctor alike.
    pub fn database_options(&self) -> Result<sqlx::postgres::PgConnectOptions, sqlx::Error> {
        crate::db::connect::options(
            self.database_url.expose_secret(),
            self.database_sslmode_from_env,
        )
    }

    pub fn is_sandbox(&self) -> bool {
        matches!(self.mercadopago.mode, Mode::Sandbox)
    }

    /// Live mode on a `TEST-` access token: real Mercado Pago, test money. The store says so
    /// on every page, so a merchant does not open to the public on test credentials.
    pub fn test_credentials(&self) -> bool {
        !self.is_sandbox()
            && self
                .mercadopago
                .access_token
                .expose_secret()
                .starts_with("TEST-")
    }

    pub fn session_key_bytes(&self) -> &[u8] {
        self.session_key.expose_secret().as_bytes()
    }
}

fn database_url(get: &dyn Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let url = get("DATABASE_URL").ok_or_else(|| {
        problem(
            "DATABASE_URL",
            "is not set (for example postgres://postgres@127.0.0.1:5432/checkout)",
        )
    })?;
    if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
        return Err(problem("DATABASE_URL", "must be a postgres:// URL"));
    }
    Ok(url)
}

fn app_base_url(
    get: &dyn Fn(&str) -> Option<String>,
    live: bool,
) -> Result<Option<Url>, ConfigError> {
    let url = match get("APP_BASE_URL") {
        Some(raw) => parse_url("APP_BASE_URL", &raw)?,
        None if live => {
            return Err(problem(
                "APP_BASE_URL",
                "is required in live mode: the public https URL of the store",
            ))
        }
        None => return Ok(None),
    };
    // Without https the session cookie loses `Secure` and Mercado Pago cannot notify us.
    if live && url.scheme() != "https" && !is_loopback_url(&url) {
        return Err(problem(
            "APP_BASE_URL",
            "must be https in live mode (plain http only on localhost, for a local trial)",
        ));
    }
    Ok(Some(url))
}

fn session_key(get: &dyn Fn(&str) -> Option<String>, live: bool) -> Result<String, ConfigError> {
    match get("SESSION_KEY") {
        Some(key) if key.len() >= 64 => Ok(key),
        Some(_) => Err(problem(
            "SESSION_KEY",
            "must be at least 64 characters (openssl rand -hex 32)",
        )),
        None if live => Err(problem(
            "SESSION_KEY",
            "is required with MP_ACCESS_TOKEN (openssl rand -hex 32)",
        )),
        // Sandbox sessions only need to outlive one run.
        None => Ok(format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )),
    }
}

/// Live credentials and where to reach Mercado Pago, or the sandbox's own.
fn mercadopago(
    get: &dyn Fn(&str) -> Option<String>,
    live: bool,
) -> Result<MercadoPagoSettings, ConfigError> {
    let secs = |name, default| {
        env_number(get, name, 1..=120, default, "a whole number of seconds")
            .map(Duration::from_secs)
    };
    let connect_timeout = secs("MP_CONNECT_TIMEOUT_SECS", 3)?;
    let timeout = secs("MP_TIMEOUT_SECS", 12)?;
    let refund_duplicates = flag(get, "MP_REFUND_DUPLICATES")?;
    let Some(token) = get("MP_ACCESS_TOKEN").filter(|_| live) else {
        if live {
            return Err(problem(
                "MP_ACCESS_TOKEN",
                "is required with MP_MODE=live: the Access Token from Your integrations > Credentials",
            ));
        }
        return Ok(MercadoPagoSettings {
            mode: Mode::Sandbox,
            access_token: SecretString::from(SANDBOX_ACCESS_TOKEN),
            public_key: SANDBOX_PUBLIC_KEY.to_string(),
            webhook_secret: SecretString::from(
                get("MP_WEBHOOK_SECRET").unwrap_or_else(|| SANDBOX_WEBHOOK_SECRET.into()),
            ),
            connect_timeout,
            timeout,
            refund_duplicates,
        });
    };
    let url = |name: &'static str, default: &str| {
        parse_url(name, &get(name).unwrap_or_else(|| default.into()))
    };
    Ok(MercadoPagoSettings {
        mode: Mode::Live {
            api_base: url("MP_API_BASE", "https://api.mercadopago.com")?,
            sdk_url: url("MP_SDK_URL", "https://sdk.mercadopago.com/js/v2")?,
        },
        access_token: SecretString::from(token),
        public_key: get("MP_PUBLIC_KEY")
            .ok_or_else(|| problem("MP_PUBLIC_KEY", "is required with MP_ACCESS_TOKEN"))?,
        webhook_secret: SecretString::from(
            get("MP_WEBHOOK_SECRET")
                .ok_or_else(|| problem("MP_WEBHOOK_SECRET", "is required with MP_ACCESS_TOKEN"))?,
        ),
        connect_timeout,
        timeout,
        refund_duplicates,
    })
}

/// Live or sandbox. Sandbox is never a silent fallback for a store that others can reach.
fn decide_live(get: &dyn Fn(&str) -> Option<String>, host: &str) -> Result<bool, ConfigError> {
    let token = get("MP_ACCESS_TOKEN").is_some();
    match get("MP_MODE").as_deref().map(str::trim) {
        Some("live") => Ok(true),
        Some("sandbox") if token => Err(problem(
            "MP_MODE",
            "is sandbox but MP_ACCESS_TOKEN is set: remove MP_ACCESS_TOKEN to use the emulator, or set MP_MODE=live",
        )),
        Some("sandbox") => Ok(false),
        Some(_) => Err(problem("MP_MODE", "must be live or sandbox")),
        None if token => Ok(true),
        None => {
            let base_is_local = match get("APP_BASE_URL") {
                Some(raw) => Url::parse(raw.trim()).is_ok_and(|u| is_loopback_url(&u)),
                None => true,
            };
            if is_loopback_host(host) && base_is_local {
                Ok(false)
            } else {
                Err(problem(
                    "MP_ACCESS_TOKEN",
                    format!(
                        "is not set, and the store is reachable from other machines (HOST={host}{}). \
                         For real payments set MP_ACCESS_TOKEN, MP_PUBLIC_KEY, MP_WEBHOOK_SECRET and MP_SITE; \
                         to run the offline emulator on purpose set MP_MODE=sandbox",
                        get("APP_BASE_URL")
                            .map(|u| format!(", APP_BASE_URL={}", u.trim()))
                            .unwrap_or_default()
                    ),
                ))
            }
        }
    }
}

/// The emulator's well-known credentials are public: a live store must not accept them.
fn refuse_sandbox_secrets(settings: Settings) -> Result<Settings, ConfigError> {
    if settings.is_sandbox() {
        return Ok(settings);
    }
    let mp = &settings.mercadopago;
    let copy =
        "is the sandbox's own value: copy yours from Mercado Pago's panel (Your integrations)";
    if mp.access_token.expose_secret() == SANDBOX_ACCESS_TOKEN {
        return Err(problem("MP_ACCESS_TOKEN", copy));
    }
    if mp.public_key == SANDBOX_PUBLIC_KEY {
        return Err(problem("MP_PUBLIC_KEY", copy));
    }
    if mp.webhook_secret.expose_secret() == SANDBOX_WEBHOOK_SECRET {
        return Err(problem("MP_WEBHOOK_SECRET", copy));
    }
    // The Brick tokenizes with the public key and the server charges with the token: test
    // and production halves never work together.
    let test_token = mp.access_token.expose_secret().starts_with("TEST-");
    let test_key = mp.public_key.starts_with("TEST-");
    if test_token != test_key {
        return Err(problem(
            "MP_PUBLIC_KEY",
            "and MP_ACCESS_TOKEN must be both test (TEST-) or both production credentials, from the same page of the panel",
        ));
    }
    Ok(settings)
}

pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub fn is_loopback_url(url: &Url) -> bool {
    url.host_str().is_some_and(is_loopback_host)
}

/// `https://cdn.example.com https://*.example.net`: sources a policy can name, nothing that
/// could end a directive or widen it to everything.
fn csp_hosts(raw: &str) -> Result<Vec<String>, ConfigError> {
    raw.split([',', ' '])
        .filter(|h| !h.is_empty())
        .map(|h| {
            let ok = h.starts_with("https://")
                && h.len() > "https://".len()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.*:/_".contains(c))
                && !h["https://".len()..].starts_with("*.*")
                && h != "https://*";
            if ok {
                Ok(h.to_string())
            } else {
                Err(problem(
                    "CSP_EXTRA_HOSTS",
                    format!("{h:?} is not an https source such as https://cdn.example.com"),
                ))
            }
        })
        .collect()
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
        // Thousands of shoppers may queue for the database; a few hundred calls carry them.
        assert_eq!(s.database_acquire_timeout, Duration::from_secs(30));
        assert_eq!(s.database_max_connections, 10);
        assert_eq!(s.mp_max_concurrent_calls, 1024);
        assert_eq!(s.mp_queue_wait, Duration::from_secs(10));
        assert_eq!(s.payment_max_in_progress, 512);
        assert_eq!(s.payment_queue_wait, Duration::from_secs(30));
        assert_eq!(s.webhook_reread_delay, Duration::from_millis(1_000));
        assert_eq!(s.sandbox_workers, 1);
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
        let cases: [(&str, Option<&str>); 14] = [
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
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", Some("0")),
            ("MP_MAX_CONCURRENT_CALLS", Some("many")),
            ("MP_QUEUE_WAIT_SECS", Some("0")),
            ("SANDBOX_WORKERS", Some("0")),
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

    fn refused(vars: &HashMap<&'static str, &'static str>) -> ConfigError {
        load(vars).expect_err("settings must be refused")
    }

    #[test]
    fn sandbox_is_never_a_silent_fallback_for_a_reachable_store() {
        let bare = HashMap::from([("DATABASE_URL", "postgres://localhost/x")]);
        for (name, value) in [
            ("HOST", "0.0.0.0"),
            ("HOST", "192.168.0.10"),
            ("APP_BASE_URL", "https://shop.example.com"),
        ] {
            let mut vars = bare.clone();
            vars.insert(name, value);
            let err = refused(&vars);
            assert_eq!(err.variable, "MP_ACCESS_TOKEN", "{name}={value}");
            assert!(err.to_string().contains("MP_MODE=sandbox"), "{err}");
        }
        let mut local = bare.clone();
        local.insert("HOST", "::1");
        local.insert("APP_BASE_URL", "http://localhost:8000");
        assert!(load(&local).unwrap().is_sandbox());
    }

    #[test]
    fn sandbox_on_purpose_is_allowed_anywhere_but_not_with_a_token() {
        let mut vars = HashMap::from([
            ("DATABASE_URL", "postgres://localhost/x"),
            ("MP_MODE", "sandbox"),
            ("HOST", "0.0.0.0"),
            ("APP_BASE_URL", "https://demo.example.com"),
        ]);
        assert!(load(&vars).unwrap().is_sandbox());
        vars.insert("MP_ACCESS_TOKEN", "APP_USR-secret-token-value");
        assert_eq!(refused(&vars).variable, "MP_MODE");
        vars.insert("MP_MODE", "production");
        assert_eq!(refused(&vars).variable, "MP_MODE");
    }

    #[test]
    fn live_mode_needs_a_token_and_https() {
        let mut vars = live();
        vars.insert("MP_MODE", "live");
        vars.remove("MP_ACCESS_TOKEN");
        assert_eq!(refused(&vars).variable, "MP_ACCESS_TOKEN");

        let mut vars = live();
        vars.insert("APP_BASE_URL", "http://shop.example.com");
        let err = refused(&vars);
        assert_eq!(err.variable, "APP_BASE_URL");
        assert!(err.to_string().contains("https"));
        for local in ["http://localhost:8000", "http://127.0.0.1:8000"] {
            vars.insert("APP_BASE_URL", local);
            assert!(!load(&vars).unwrap().is_sandbox(), "{local}");
        }
    }

    #[test]
    fn live_mode_refuses_the_sandboxs_own_credentials() {
        for (name, value) in [
            ("MP_ACCESS_TOKEN", SANDBOX_ACCESS_TOKEN),
            ("MP_PUBLIC_KEY", SANDBOX_PUBLIC_KEY),
            ("MP_WEBHOOK_SECRET", SANDBOX_WEBHOOK_SECRET),
        ] {
            let mut vars = live();
            vars.insert(name, value);
            if name == "MP_ACCESS_TOKEN" {
                vars.insert("MP_PUBLIC_KEY", "TEST-public");
            }
            let err = refused(&vars);
            assert_eq!(err.variable, name);
            assert!(err.to_string().contains("sandbox's own value"), "{err}");
        }
    }

    #[test]
    fn test_and_production_halves_do_not_mix_and_test_ones_are_flagged() {
        let mut vars = live();
        vars.insert("MP_PUBLIC_KEY", "TEST-public");
        assert_eq!(refused(&vars).variable, "MP_PUBLIC_KEY");
        assert!(!load(&live()).unwrap().test_credentials());
        vars.insert("MP_ACCESS_TOKEN", "TEST-1234-secret-token-value");
        let s = load(&vars).unwrap();
        assert!(s.test_credentials());
        let sandbox = load(&HashMap::from([("DATABASE_URL", "postgres://localhost/x")])).unwrap();
        assert!(
            !sandbox.test_credentials(),
            "the sandbox has its own banner"
        );
    }

    #[test]
    fn extra_csp_hosts_are_sources_and_nothing_more() {
        let mut vars = live();
        vars.insert(
            "CSP_EXTRA_HOSTS",
            "https://cdn.example.com, https://*.example.net",
        );
        let s = load(&vars).unwrap();
        assert_eq!(
            s.csp.extra_hosts,
            ["https://cdn.example.com", "https://*.example.net"]
        );
        assert!(!s.csp.report_only);
        for bad in [
            "http://cdn.example.com",
            "https://*",
            "https://x;script-src",
            "'unsafe-inline'",
        ] {
            vars.insert("CSP_EXTRA_HOSTS", bad);
            assert_eq!(refused(&vars).variable, "CSP_EXTRA_HOSTS", "{bad}");
        }
        vars.remove("CSP_EXTRA_HOSTS");
        vars.insert("CSP_REPORT_ONLY", "true");
        assert!(load(&vars).unwrap().csp.report_only);
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
