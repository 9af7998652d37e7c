//! The Content-Security-Policy: this store's own origin, and the hosts from which the real
//! Payment Brick loads its script, frames, images, styles and fonts and calls Mercado Pago.
//!
//! MercadoPago.js v2 comes from `sdk.mercadopago.com`; the Bricks then load parts from
//! `*.mlstatic.com`, call `api.mercadopago.com` and `api.mercadolibre.com`, frame their secure
//! card fields from `*.mercadopago.com`, and, per country, reach the site's own domains
//! (`mercadopago.com.br`, `mercadolivre.com`, ...). A wildcard never matches the bare domain.
//! A policy that misses one of them is a dead checkout found only in production, so a merchant
//! can go live with `CSP_REPORT_ONLY=true` first and read the violations `/csp-report` logs.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;

use crate::domain::Site;

/// Hosts the real Brick needs on every site.
const EVERY_SITE: [&str; 4] = [
    "https://sdk.mercadopago.com",
    "https://*.mercadopago.com",
    "https://*.mercadolibre.com",
    "https://*.mlstatic.com",
];

/// Each site's own domains, which its Brick reaches beyond [`EVERY_SITE`].
const SITE_HOSTS: &[(Site, &str)] = &[
    (Site::Mlb, "https://*.mercadopago.com.br"),
    (Site::Mlb, "https://*.mercadolivre.com.br"),
    (Site::Mlb, "https://*.mercadolivre.com"),
    (Site::Mla, "https://*.mercadopago.com.ar"),
    (Site::Mla, "https://*.mercadolibre.com.ar"),
    (Site::Mlm, "https://*.mercadopago.com.mx"),
    (Site::Mlm, "https://*.mercadolibre.com.mx"),
    (Site::Mpe, "https://*.mercadopago.com.pe"),
    (Site::Mpe, "https://*.mercadolibre.com.pe"),
    (Site::Mco, "https://*.mercadopago.com.co"),
    (Site::Mco, "https://*.mercadolibre.com.co"),
    (Site::Mlu, "https://*.mercadopago.com.uy"),
    (Site::Mlu, "https://*.mercadolibre.com.uy"),
    (Site::Mlc, "https://*.mercadopago.cl"),
    (Site::Mlc, "https://*.mercadolibre.cl"),
];

/// The sources the Payment Brick of `site` needs, beyond the store's own origin.
pub fn brick_hosts(site: Site) -> Vec<&'static str> {
    let own = SITE_HOSTS
        .iter()
        .filter(|(s, _)| *s == site)
        .map(|(_, h)| *h);
    EVERY_SITE.iter().copied().chain(own).collect()
}

pub const REPORT_PATH: &str = "/csp-report";

/// What the policy is built from.
pub struct CspInputs<'a> {
    pub site: Site,
    /// The store's public URL.
    pub base: &'a Url,
    /// Where MercadoPago.js is loaded from (the emulator's stand-in in sandbox mode).
    pub sdk_url: &'a str,
    /// Where the store's Mercado Pago API calls go (the emulator in sandbox mode).
    pub api_base: &'a Url,
    /// The sandbox loads nothing from Mercado Pago, so it allows none of its hosts.
    pub sandbox: bool,
    /// `CSP_EXTRA_HOSTS`.
    pub extra: &'a [String],
}

/// The policy's text. No inline scripts anywhere: pages pass data in `data-` attributes.
pub fn policy(inputs: &CspInputs) -> String {
    let origin = |u: &Url| u.origin().ascii_serialization();
    let sdk = Url::parse(inputs.sdk_url)
        .map(|u| origin(&u))
        .unwrap_or_default();
    let api = origin(inputs.api_base);
    let mut outside: Vec<String> = Vec::new();
    if !inputs.sandbox {
        outside.extend(brick_hosts(inputs.site).into_iter().map(String::from));
    }
    outside.extend(inputs.extra.iter().cloned());
    let mp = outside
        .iter()
        .fold(String::new(), |acc, h| format!("{acc} {h}"));
    let report = format!(
        "{}{REPORT_PATH}",
        inputs.base.as_str().trim_end_matches('/')
    );
    format!(
        "default-src 'self'; script-src 'self' {sdk}{mp}; connect-src 'self' {api} {sdk}{mp}; \
         frame-src 'self' {sdk}{mp}; img-src 'self' data:{mp}; style-src 'self' 'unsafe-inline'{mp}; \
         font-src 'self' data:{mp}; object-src 'none'; base-uri 'self'; form-action 'self'{mp}; \
         frame-ancestors 'none'; report-uri {report}; report-to csp"
    )
}

/// `policy` with `origin` allowed as a frame and a form target: the issuer's 3-D Secure page
/// the result page frames (any bank's host, known only from the payment's `three_ds_info`).
pub fn with_challenge_origin(policy: &str, origin: &str) -> String {
    policy
        .replacen("frame-src 'self'", &format!("frame-src 'self' {origin}"), 1)
        .replacen(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
            1,
        )
}

/// The origin of an https URL (or of any URL on loopback, the sandbox's), fit for a policy;
/// `None` for anything else, which then stays blocked.
pub fn challenge_origin(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    let loopback = url
        .host_str()
        .is_some_and(|h| h == "localhost" || h == "127.0.0.1" || h == "[::1]");
    let ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    ok.then(|| url.origin().ascii_serialization())
}

/// The header that carries the policy: enforced, or only reported.
pub fn header_name(report_only: bool) -> &'static str {
    if report_only {
        "Content-Security-Policy-Report-Only"
    } else {
        "Content-Security-Policy"
    }
}

/// `Reporting-Endpoints`, for browsers that report through the Reporting API (`report-to`).
pub fn reporting_endpoints(base: &Url) -> String {
    format!(
        "csp=\"{}{REPORT_PATH}\"",
        base.as_str().trim_end_matches('/')
    )
}

#[cfg(test)]
mod challenge_tests {
    use super::*;

    #[test]
    fn a_challenge_origin_is_allowed_as_frame_and_form_target_only() {
        let policy = "default-src 'self'; frame-src 'self' https://sdk.mercadopago.com; form-action 'self'; frame-ancestors 'none'";
        let origin = challenge_origin("https://acs.bank.example/3ds/challenge?x=1").unwrap();
        assert_eq!(origin, "https://acs.bank.example");
        let widened = with_challenge_origin(policy, &origin);
        assert!(widened.contains("frame-src 'self' https://acs.bank.example https://sdk"));
        assert!(widened.contains("form-action 'self' https://acs.bank.example;"));
        assert!(widened.contains("default-src 'self';"));
        assert_eq!(challenge_origin("http://acs.bank.example/3ds"), None);
        assert_eq!(challenge_origin("javascript:alert(1)"), None);
        assert!(
            challenge_origin("http://127.0.0.1:8080/sandbox/mp/sandbox/3ds/challenge").is_some()
        );
    }
}

/// CSP reports logged per minute per instance.
const PER_MINUTE: u32 = 30;
/// The log budget of `/csp-report`, so a page that violates on every load cannot flood the log.
#[derive(Default)]
pub struct ReportBudget(Mutex<Window>);

#[derive(Default)]
struct Window {
    started: Option<Instant>,
    logged: u32,
    dropped: u64,
}

impl ReportBudget {
    /// Whether one more report may be logged now; on a new minute, how many were dropped in
    /// the last one.
    pub fn take(&self) -> (bool, u64) {
        let mut w = self.0.lock().expect("csp report budget");
        let now = Instant::now();
        let mut dropped_before = 0;
        if w.started.is_none_or(|s| now - s >= Duration::from_secs(60)) {
            dropped_before = w.dropped;
            *w = Window {
                started: Some(now),
                ..Window::default()
            };
        }
        if w.logged < PER_MINUTE {
            w.logged += 1;
            (true, dropped_before)
        } else {
            w.dropped += 1;
            (false, dropped_before)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_logs_so_many_a_minute_and_counts_the_rest() {
        let budget = ReportBudget::default();
        let logged = (0..100).filter(|_| budget.take().0).count();
        assert_eq!(logged, PER_MINUTE as usize);
        assert_eq!(budget.0.lock().unwrap().dropped, 100 - PER_MINUTE as u64);
    }

    fn build(site: Site, sandbox: bool, extra: &[String]) -> String {
        let base = Url::parse("https://shop.example.com/").unwrap();
        let api = Url::parse("https://api.mercadopago.com").unwrap();
        policy(&CspInputs {
            site,
            base: &base,
            sdk_url: "https://sdk.mercadopago.com/js/v2",
            api_base: &api,
            sandbox,
            extra,
        })
    }

    fn directive<'a>(csp: &'a str, name: &str) -> &'a str {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {csp}"))
    }

    #[test]
    fn every_site_allows_its_own_country_domains_where_the_brick_needs_them() {
        for (site, country) in [
            (Site::Mlb, "https://*.mercadolivre.com"),
            (Site::Mlb, "https://*.mercadopago.com.br"),
            (Site::Mla, "https://*.mercadopago.com.ar"),
            (Site::Mlm, "https://*.mercadolibre.com.mx"),
            (Site::Mpe, "https://*.mercadopago.com.pe"),
            (Site::Mco, "https://*.mercadopago.com.co"),
            (Site::Mlu, "https://*.mercadopago.com.uy"),
            (Site::Mlc, "https://*.mercadopago.cl"),
        ] {
            let csp = build(site, false, &[]);
            for name in [
                "script-src",
                "connect-src",
                "frame-src",
                "img-src",
                "style-src",
            ] {
                let d = directive(&csp, name);
                assert!(d.contains(country), "{site:?} {name}: {d}");
                assert!(d.contains("https://*.mlstatic.com"), "{name}: {d}");
            }
            assert!(directive(&csp, "script-src").contains("https://sdk.mercadopago.com"));
        }
    }

    #[test]
    fn no_inline_script_no_framing_and_reports_go_home() {
        let csp = build(Site::Mlb, false, &[]);
        assert!(!directive(&csp, "script-src").contains("unsafe"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("object-src 'none'"));
        assert!(csp.contains("report-uri https://shop.example.com/csp-report"));
    }

    #[test]
    fn the_sandbox_allows_no_mercado_pago_host_and_extras_are_added_everywhere() {
        let extra = vec!["https://cdn.example.com".to_string()];
        let csp = build(Site::Mlb, true, &extra);
        assert!(!csp.contains("mlstatic"), "{csp}");
        for name in [
            "script-src",
            "connect-src",
            "frame-src",
            "img-src",
            "font-src",
        ] {
            assert!(directive(&csp, name).contains("https://cdn.example.com"));
        }
    }
}
