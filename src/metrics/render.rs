//! The exposition page of one application's metrics.

use super::database::{self, Gauges};
use super::text::Exposition;
use super::{status_label, Metrics, RequestResult, METHODS, STATUS_LABELS};

impl Metrics {
    /// The exposition text; `gauges` is `None` when the database could not be read.
    pub(super) fn render(&self, gauges: Option<&Gauges>) -> String {
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
            for s in 0..STATUS_LABELS {
                let n = self.payments[m * STATUS_LABELS + s].get();
                if n > 0 {
                    let labels = [("method", *method), ("status", status_label(s))];
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
    use std::time::Duration;

    use super::super::{BuildInfo, CallError, MetricsSettings};
    use super::*;
    use crate::domain::PaymentStatus;

    #[test]
    fn unknown_methods_and_statuses_fall_in_other_and_unknown() {
        let m = Metrics::default();
        m.payment_recorded(Some("credit_card"), &PaymentStatus::Approved);
        m.payment_recorded(Some("prepaid_card"), &PaymentStatus::Authorized);
        m.payment_recorded(None, &PaymentStatus::Pending);
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
        m.rate_limited("/admin/login");
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
        assert!(text.contains("checkout_rate_limited_total{route=\"/admin/login\"} 1\n"));
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
