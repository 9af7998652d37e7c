//! Prometheus metrics at `/metrics`. Each application holds its own `Metrics` (in `AppState`,
//! shared with its Mercado Pago client), so several stores in one process, as in the tests,
//! count apart. Every label takes values from a short fixed list or from the store's own code
//! (endpoint templates, route names): never an order id, a payment id or anything a client
//! sends. The gauges of work waiting in the database are read at scrape time.
//!
//! The names are a contract with the Grafana dashboard and the alerts in `deploy/`.

mod access;
mod database;
mod instruments;
mod lag;
mod render;
mod text;

use std::time::Duration;

pub use access::{MetricsSettings, Refusal};
pub use text::CONTENT_TYPE;

use crate::domain::PaymentStatus;
use access::Access;
use instruments::{Counter, Family, Histogram};

/// Mercado Pago's `payment_type_id`s we name; any other counts as `other`.
const METHODS: [&str; 8] = [
    "credit_card",
    "debit_card",
    "account_money",
    "ticket",
    "bank_transfer",
    "atm",
    "digital_currency",
    "other",
];
/// Mercado Pago's payment statuses counted by name (their text is the label); any other
/// counts as `unknown`, the label after them.
static STATUSES: [PaymentStatus; 8] = [
    PaymentStatus::Approved,
    PaymentStatus::Pending,
    PaymentStatus::InProcess,
    PaymentStatus::Rejected,
    PaymentStatus::Cancelled,
    PaymentStatus::Refunded,
    PaymentStatus::ChargedBack,
    PaymentStatus::InMediation,
];
/// One label per named status, then `unknown`.
const STATUS_LABELS: usize = STATUSES.len() + 1;

/// The label of the `i`th status count.
fn status_label(i: usize) -> &'static str {
    STATUSES.get(i).map_or("unknown", PaymentStatus::as_str)
}

/// Mercado Pago calls last up to the client's timeout (12 s by default, 120 s at most).
const CALL_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0];
/// Mercado Pago retries a notification for hours; the worker re-drives failed re-reads up to
/// an hour apart.
const LAG_BUCKETS: &[f64] = &[
    0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0,
];

/// What `checkout_build_info` says about this process.
#[derive(Debug, Clone, Default)]
pub struct BuildInfo {
    pub version: String,
    /// `sandbox` or `live`.
    pub mode: String,
    /// The Mercado Pago site id (`MLB`, ...).
    pub site: String,
}

/// The answer `/process_payment` gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestResult {
    Approved,
    Pending,
    Rejected,
    /// Timed out or not recorded: being resolved.
    Unknown,
    /// Bad input, a closed order, a limit: nothing was charged.
    Refused,
    /// Mercado Pago or the database unavailable: nothing was charged.
    Error,
    /// Left at the payment door for all of its wait: nothing was done or charged.
    Busy,
}

impl RequestResult {
    const ALL: [RequestResult; 7] = [
        Self::Approved,
        Self::Pending,
        Self::Rejected,
        Self::Unknown,
        Self::Refused,
        Self::Error,
        Self::Busy,
    ];

    /// From the status of the payment the shopper was answered with.
    pub fn of_status(status: &PaymentStatus) -> Self {
        match status {
            PaymentStatus::Approved => Self::Approved,
            PaymentStatus::Pending
            | PaymentStatus::InProcess
            | PaymentStatus::Authorized
            | PaymentStatus::InMediation => Self::Pending,
            PaymentStatus::Rejected | PaymentStatus::Cancelled => Self::Rejected,
            PaymentStatus::Refunded | PaymentStatus::ChargedBack | PaymentStatus::Other(_) => {
                Self::Unknown
            }
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
            Self::Unknown => "unknown",
            Self::Refused => "refused",
            Self::Error => "error",
            Self::Busy => "busy",
        }
    }
}

/// How a call to Mercado Pago failed (a declined payment is an answer, not a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallError {
    Timeout,
    Connect,
    RateLimited,
    KeyInUse,
    ServerError,
    ClientError,
    Unauthorized,
    BadAnswer,
    /// Never sent: the calls in flight stayed at their cap for the whole queue wait.
    Busy,
}

impl CallError {
    fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::RateLimited => "rate_limited",
            Self::KeyInUse => "key_in_use",
            Self::ServerError => "server_error",
            Self::ClientError => "client_error",
            Self::Unauthorized => "unauthorized",
            Self::BadAnswer => "bad_answer",
            Self::Busy => "busy",
        }
    }
}

/// Why a webhook was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookRefusal {
    /// Missing or not matching.
    Signature,
    /// `x-signature` not `ts=...,v1=...`.
    Malformed,
}

/// One application's metrics.
pub struct Metrics {
    build: BuildInfo,
    access: Access,
    payments: [Counter; METHODS.len() * STATUS_LABELS],
    requests: [Counter; RequestResult::ALL.len()],
    calls: Family<String, Histogram>,
    call_errors: Family<(String, CallError), Counter>,
    webhooks_received: Counter,
    webhooks_refused: [Counter; 2],
    webhooks_applied: Counter,
    webhooks_failed: Counter,
    webhook_lag: Histogram,
    signed: lag::Signed,
    rate_limited: Family<&'static str, Counter>,
}

impl Default for Metrics {
    /// Counts that nobody reads: a client built without the application's metrics.
    fn default() -> Self {
        Self::new(BuildInfo::default(), MetricsSettings::default())
    }
}

impl Metrics {
    /// Whether a scrape from `peer` with this `Authorization` header may read the metrics.
    pub fn check_access(
        &self,
        peer: Option<std::net::IpAddr>,
        authorization: Option<&str>,
    ) -> Result<(), Refusal> {
        self.access.check(peer, authorization)
    }

    /// The exposition text, with the gauges of work waiting in the database read now.
    pub async fn exposition(&self, pool: &sqlx::PgPool) -> String {
        let gauges = database::read(pool).await;
        self.render(gauges.as_ref())
    }

    pub fn new(build: BuildInfo, settings: MetricsSettings) -> Self {
        Self {
            build,
            access: Access::new(settings),
            payments: std::array::from_fn(|_| Counter::default()),
            requests: Default::default(),
            calls: Family::new(|| Histogram::new(CALL_BUCKETS)),
            call_errors: Family::new(Counter::default),
            webhooks_received: Counter::default(),
            webhooks_refused: Default::default(),
            webhooks_applied: Counter::default(),
            webhooks_failed: Counter::default(),
            webhook_lag: Histogram::new(LAG_BUCKETS),
            signed: lag::Signed::default(),
            rate_limited: Family::new(Counter::default),
        }
    }

    /// The metrics of a store of `site`, in sandbox mode or live.
    pub fn for_store(sandbox: bool, site: crate::domain::Site, settings: MetricsSettings) -> Self {
        let mode = if sandbox { "sandbox" } else { "live" };
        let build = BuildInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            mode: mode.to_string(),
            site: site.id().to_string(),
        };
        Self::new(build, settings)
    }

    /// The store recorded a payment in a status it did not have before (`payments::apply`).
    pub fn payment_recorded(&self, payment_type_id: Option<&str>, status: &PaymentStatus) {
        let method = payment_type_id
            .and_then(|m| METHODS.iter().position(|&k| k == m))
            .unwrap_or(METHODS.len() - 1);
        let status = STATUSES
            .iter()
            .position(|k| k == status)
            .unwrap_or(STATUSES.len());
        self.payments[method * STATUS_LABELS + status].add(1);
    }

    /// `/process_payment` answered.
    pub fn payment_request(&self, result: RequestResult) {
        self.requests[result as usize].add(1);
    }

    /// One call to Mercado Pago, `endpoint` a template such as `GET /v1/payments/{id}`.
    pub fn mercadopago_call(&self, endpoint: &str, took: Duration, error: Option<CallError>) {
        self.calls.with(endpoint, |h| h.observe(took));
        if let Some(kind) = error {
            self.call_errors
                .with(&(endpoint.to_string(), kind), |c| c.add(1));
        }
    }

    /// A request reached the webhook endpoint (refused ones and legacy hints included).
    pub fn webhook_received(&self) {
        self.webhooks_received.add(1);
    }

    pub fn webhook_refused(&self, reason: WebhookRefusal) {
        self.webhooks_refused[reason as usize].add(1);
    }

    /// A notification was kept; `ts` is its `x-signature` time, for its lag once applied.
    pub fn webhook_kept(&self, notification_id: i64, ts: &str) {
        self.signed.remember(notification_id, ts);
    }

    /// These notifications' payment was re-read and applied.
    pub fn webhooks_applied(&self, notification_ids: &[i64]) {
        self.webhooks_applied.add(notification_ids.len() as u64);
        for lag in self.signed.take(notification_ids) {
            self.webhook_lag.observe(lag);
        }
    }

    /// A re-read of `count` notifications failed; the worker tries again later.
    pub fn webhooks_failed(&self, count: usize) {
        self.webhooks_failed.add(count as u64);
    }

    /// For the rate limiter: a request to `route` was refused for being over its limit.
    /// `route` is a route template from the code (`"/process_payment"`,
    /// `"/orders/{id}/return"`), never a path with an id in it, so the series stay few.
    pub fn rate_limited(&self, route: &'static str) {
        self.rate_limited.with(&route, |c| c.add(1));
    }
}
