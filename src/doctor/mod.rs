//! `checkout doctor`: checks what going live depends on, from the machine the store runs on,
//! and says for each problem what to set and where to copy it from. It only reads: it never
//! migrates, never creates a payment, never prints a secret.

mod csp;
mod database;
mod mercadopago;
mod public_url;

use std::fmt;
use std::time::Duration;

use crate::configuration::Settings;

pub use csp::missing_hosts;

/// Names of the checks, in the order they are printed.
pub const DATABASE: &str = "database";
pub const ACCESS_TOKEN: &str = "access token";
pub const SITE: &str = "site";
pub const PUBLIC_KEY: &str = "public key";
pub const PUBLIC_URL: &str = "public URL";
pub const WEBHOOK_SECRET: &str = "webhook secret";
pub const CSP: &str = "content security policy";

/// Long enough for a cold TLS handshake through a proxy, short enough that a doctor run
/// against a dead address ends while the person still waits for it.
const WEB_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ok,
    /// Works, but not as it should for real sales (test credentials, loopback http...).
    Warning,
    Failed,
    /// Nothing to check in this mode, or an earlier failure hides the answer.
    NotApplicable,
}

impl State {
    pub fn mark(self) -> &'static str {
        match self {
            State::Ok => "✔",
            State::Warning => "⚠",
            State::Failed => "✘",
            State::NotApplicable => "–",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub state: State,
    /// One line: what was found.
    pub finding: String,
    /// For anything not ok: what to do, in plain words.
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, finding: impl Into<String>) -> Self {
        Self::new(name, State::Ok, finding, None)
    }

    fn warning(name: &'static str, finding: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(name, State::Warning, finding, Some(fix.into()))
    }

    fn failed(name: &'static str, finding: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(name, State::Failed, finding, Some(fix.into()))
    }

    fn not_applicable(name: &'static str, finding: impl Into<String>) -> Self {
        Self::new(name, State::NotApplicable, finding, None)
    }

    fn new(
        name: &'static str,
        state: State,
        finding: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        Self {
            name,
            state,
            finding: finding.into(),
            fix,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    /// `live mode, site MLB`.
    pub heading: String,
    pub checks: Vec<Check>,
}

impl Report {
    /// True when any check failed: the exit status is then non-zero.
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.state == State::Failed)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "checkout doctor: {}", self.heading)?;
        for check in &self.checks {
            writeln!(
                f,
                "{} {}: {}",
                check.state.mark(),
                check.name,
                check.finding
            )?;
            if let Some(fix) = &check.fix {
                writeln!(f, "    fix: {fix}")?;
            }
        }
        let failed = self
            .checks
            .iter()
            .filter(|c| c.state == State::Failed)
            .count();
        match failed {
            0 => writeln!(f, "no problem found"),
            1 => writeln!(f, "1 problem to fix"),
            n => writeln!(f, "{n} problems to fix"),
        }
    }
}

/// Runs every check against the configured database, Mercado Pago and the store's public
/// address.
pub async fn run(settings: &Settings) -> Report {
    let mode = if settings.is_sandbox() {
        "sandbox"
    } else {
        "live"
    };
    let mut checks = vec![database::check(settings).await];
    checks.extend(mercadopago::checks(settings).await);
    let web = reqwest::Client::builder()
        .timeout(WEB_TIMEOUT)
        .user_agent(concat!("checkout-doctor/", env!("CARGO_PKG_VERSION")))
        .build();
    match web {
        Ok(web) => {
            checks.push(public_url::check(settings, &web).await);
            checks.push(mercadopago::webhook_secret(settings));
            checks.push(csp::check(settings, &web).await);
        }
        Err(e) => {
            let finding = format!("no HTTP client: {e}");
            checks.push(Check::failed(PUBLIC_URL, finding, "report this as a bug"));
            checks.push(mercadopago::webhook_secret(settings));
        }
    }
    Report {
        heading: format!("{mode} mode, site {}", settings.site.id()),
        checks,
    }
}
