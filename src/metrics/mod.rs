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
mod scrape;
mod text;

use std::time::Duration;

pub use access::MetricsSettings;
pub use scrape::scrape;

use access::Access;
use database::Gauges;
use instruments::{Counter, Family, Histogram};
use text::Exposition;

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
/// Mercado Pago's payment statuses we name; any other counts as `unknown`.
const STATUSES: [&str; 9] = [
    "approved",
    "pending",
    "in_process",
    "rejected",
    "cancelled",
    "refunded",
    "charged_back",
    "in_mediation",
    "unknown",
];

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
}

impl RequestResult {
    const ALL: [RequestResult; 6] = [
        Self::Approved,
        Self::Pending,
        Self::Rejected,
        Self::Unknown,
        Self::Refused,
        Self::Error,
    ];

    /// From the status of the payment the shopper was answered with.
    pub fn of_status(status: &str) -> Self {
        match status {
            "approved" => Self::Approved,
            "pending" | "in_process" | "authorized" | "in_mediation" => Self::Pending,
            "rejected" | "cancelled" => Self::Rejected,
            _ => Self::Unknown,
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
    payments: [Counter; METHODS.len() * STATUSES.len()],
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

    /// The metrics of a store started with `settings`.
    pub fn for_settings(settings: &crate::configuration::Settings) -> Self {
        let mode = if settings.is_sandbox() {
            "sandbox"
        } else {
            "live"
        };
        let build = BuildInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            mode: mode.to_string(),
            site: settings.site.id().to_string(),
        };
        Self::new(build, settings.metrics.clone())
    }

    /// The store recorded a payment in a status it did not have before (`payments::apply`).
    pub fn payment_recorded(&self, payment_type_id: Option<&str>, status: &str) {
        let method = payment_type_id
            .and_then(|m| METHODS.iter().position(|&k| k == m))
            .unwrap_or(METHODS.len() - 1);
        let status = STATUSES
            .iter()
            .position(|&k| k == status)
            .unwrap_or(STATUSES.len() - 1);
        self.payments[method * STATUSES.len() + status].add(1);
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
    /// `route` is a fixed name from the code (`"process_payment"`, `"sign_in"`), never a path
    /// with ids in it, so the series stay few.
    pub fn rate_limited(&self, route: &'static str) {
        self.rate_limited.with(&route, |c| c.add(1));
    }

    /// The exposition text; `gauges` is `None` when the database could not be read.
    fn render(&self, gauges: Option<&Gauges>) -> String {
        let mut e = Exposition::default();
        e.describe(
            "checkout_build_info",
            "gauge",
            "The running store: version, mode (sandbox or live) and Mercado Pago site.",
        );
        e.sample(
            "checkout_build_info",
            &[
                ("version", &self.build.version),
                ("mode", &self.build.mode),
                ("site", &self.build.site),
            ],
            1,
        );
        e.describe(
            "checkout_payments_total",
            "counter",
            "Payment outcomes the store recorded, by Mercado Pago payment_type_id and status.",
        );
        for (m, method) in METHODS.iter().enumerate() {
            for (s, status) in STATUSES.iter().enumerate() {
                let n = self.payments[m * STATUSES.len() + s].get();
                if n > 0 {
                    let labels = [("method", *method), ("status", *status)];
                    e.sample("checkout_payments_total", &labels, n);
                }
            }
        }
        e.describe(
            "checkout_payment_requests_total",
            "counter",
            "Answers of /process_payment by result.",
        );
        for r in RequestResult::ALL {
            let n = self.requests[r as usize].get();
            e.sample(
                "checkout_payment_requests_total",
                &[("result", r.as_str())],
                n,
            );
        }
        self.render_mercadopago(&mut e);
        self.render_webhooks(&mut e);
        e.describe(
            "checkout_rate_limited_total",
            "counter",
            "Requests refused for being over a rate limit, by route.",
        );
        self.rate_limited.each(|route, c| {
            e.sample("checkout_rate_limited_total", &[("route", route)], c.get());
        });
        database::render(&mut e, gauges);
        e.finish()
    }

    fn render_mercadopago(&self, e: &mut Exposition) {
        let name = "checkout_mercadopago_request_duration_seconds";
        e.describe(
            name,
            "histogram",
            "Calls to Mercado Pago by endpoint, failed ones included.",
        );
        self.calls.each(|endpoint, h| {
            e.histogram(name, &[("endpoint", endpoint)], h);
        });
        let name = "checkout_mercadopago_errors_total";
        e.describe(
            name,
            "counter",
            "Failed calls to Mercado Pago by endpoint and kind.",
        );
        self.call_errors.each(|(endpoint, kind), c| {
            e.sample(
                name,
                &[("endpoint", endpoint), ("kind", kind.as_str())],
                c.get(),
            );
        });
    }

    fn render_webhooks(&self, e: &mut Exposition) {
        e.describe(
            "checkout_webhooks_received_total",
            "counter",
            "Requests to the webhook endpoint.",
        );
        e.sample(
            "checkout_webhooks_received_total",
            &[],
            self.webhooks_received.get(),
        );
        let name = "checkout_webhooks_refused_total";
        e.describe(name, "counter", "Webhooks refused, by reason.");
        for (reason, c) in ["signature", "malformed"]
            .iter()
            .zip(&self.webhooks_refused)
        {
            e.sample(name, &[("reason", reason)], c.get());
        }
        let name = "checkout_webhooks_processed_total";
        e.describe(
            name,
            "counter",
            "Notifications whose payment was re-read and applied, and failed re-reads of notifications (retried later).",
        );
        e.sample(name, &[("result", "applied")], self.webhooks_applied.get());
        e.sample(name, &[("result", "failed")], self.webhooks_failed.get());
        let name = "checkout_webhook_lag_seconds";
        e.describe(
            name,
            "histogram",
            "From the time Mercado Pago signed a notification to the time the store applied it.",
        );
        e.histogram(name, &[], &self.webhook_lag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_and_statuses_fall_in_other_and_unknown() {
        let m = Metrics::default();
        m.payment_recorded(Some("credit_card"), "approved");
        m.payment_recorded(Some("prepaid_card"), "authorized");
        m.payment_recorded(None, "pending");
        let text = m.render(None);
        assert!(text
            .contains("checkout_payments_total{method=\"credit_card\",status=\"approved\"} 1\n"));
        assert!(text.contains("checkout_payments_total{method=\"other\",status=\"unknown\"} 1\n"));
        assert!(text.contains("checkout_payments_total{method=\"other\",status=\"pending\"} 1\n"));
    }

    #[test]
    fn every_line_is_a_comment_or_a_sample() {
        let m = Metrics::new(
            BuildInfo {
                version: "1.2.3".into(),
                mode: "live".into(),
                site: "MLB".into(),
            },
            MetricsSettings::default(),
        );
        m.payment_request(RequestResult::Refused);
        m.mercadopago_call(
            "POST /v1/payments",
            Duration::from_millis(80),
            Some(CallError::Timeout),
        );
        m.webhook_kept(
            1,
            &(time::OffsetDateTime::now_utc().unix_timestamp() * 1000).to_string(),
        );
        m.webhooks_applied(&[1]);
        m.rate_limited("sign_in");
        let text = m.render(None);
        for line in text.lines() {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE ") || is_sample(line),
                "not exposition text: {line}"
            );
        }
        assert!(
            text.contains("checkout_build_info{version=\"1.2.3\",mode=\"live\",site=\"MLB\"} 1\n")
        );
        assert!(text.contains("checkout_metrics_database_up 0\n"));
        assert!(text.contains("checkout_webhook_lag_seconds_count 1\n"));
        assert!(text.contains(
            "checkout_mercadopago_errors_total{endpoint=\"POST /v1/payments\",kind=\"timeout\"} 1\n"
        ));
        assert!(text.contains("checkout_rate_limited_total{route=\"sign_in\"} 1\n"));
    }

    /// `name{labels} value`, the value a number.
    fn is_sample(line: &str) -> bool {
        let Some((series, value)) = line.rsplit_once(' ') else {
            return false;
        };
        let name_end = series.find('{').unwrap_or(series.len());
        let name = &series[..name_end];
        let labels_ok =
            name_end == series.len() || (series.ends_with('}') && series[name_end..].contains('='));
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && labels_ok
            && (value.parse::<f64>().is_ok() || value == "+Inf")
    }
}
