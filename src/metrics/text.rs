//! Prometheus' text exposition format, version 0.0.4: `# HELP` and `# TYPE` once per metric,
//! then one `name{label="value",...} number` line per series.

use std::fmt::{Display, Write};

use super::instruments::Histogram;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a metric; `kind` is `counter`, `gauge` or `histogram`.
    pub fn describe(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.out.push_str(name);
        write_labels(&mut self.out, labels);
        let _ = writeln!(self.out, " {value}");
    }

    /// The `_bucket`, `_sum` and `_count` series of one labelled histogram.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], histogram: &Histogram) {
        let (buckets, sum) = histogram.snapshot();
        let bucket = format!("{name}_bucket");
        let mut count = 0;
        for (bound, cumulative) in buckets {
            let le = bound.map_or_else(|| "+Inf".to_string(), |b| b.to_string());
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            self.sample(&bucket, &with_le, cumulative);
            count = cumulative;
        }
        self.sample(&format!("{name}_sum"), labels, sum);
        self.sample(&format!("{name}_count"), labels, count);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn write_labels(out: &mut String, labels: &[(&str, &str)]) {
    if labels.is_empty() {
        return;
    }
    out.push('{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{name}=\"{}\"", escape_value(value));
    }
    out.push('}');
}

fn escape_value(v: &str) -> String {
    v.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

fn escape_help(v: &str) -> String {
    v.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_quoted_and_escaped() {
        let mut e = Exposition::default();
        e.describe("x_total", "counter", "Things.");
        e.sample("x_total", &[("a", "b\"c"), ("d", "e\\f\ng")], 3);
        e.sample("y", &[], 0.5);
        assert_eq!(
            e.finish(),
            "# HELP x_total Things.\n# TYPE x_total counter\nx_total{a=\"b\\\"c\",d=\"e\\\\f\\ng\"} 3\ny 0.5\n"
        );
    }

    #[test]
    fn a_histogram_ends_with_inf_and_count() {
        let h = Histogram::new(&[0.5, 2.0]);
        h.observe(std::time::Duration::from_secs(1));
        let mut e = Exposition::default();
        e.histogram("d_seconds", &[("endpoint", "GET /v1/payments/{id}")], &h);
        let text = e.finish();
        assert!(
            text.contains("d_seconds_bucket{endpoint=\"GET /v1/payments/{id}\",le=\"0.5\"} 0\n")
        );
        assert!(text.contains("d_seconds_bucket{endpoint=\"GET /v1/payments/{id}\",le=\"2\"} 1\n"));
        assert!(
            text.contains("d_seconds_bucket{endpoint=\"GET /v1/payments/{id}\",le=\"+Inf\"} 1\n")
        );
        assert!(text.contains("d_seconds_sum{endpoint=\"GET /v1/payments/{id}\"} 1\n"));
        assert!(text.contains("d_seconds_count{endpoint=\"GET /v1/payments/{id}\"} 1\n"));
    }
}
