//! `APP_BASE_URL`: https, and answering `/healthz` when asked from here.
//!
//! A successful GET from this machine proves DNS, the certificate and the proxy as this machine
//! sees them. It cannot prove that Mercado Pago reaches the store (another network, another
//! resolver): the panel's "Simulate" button on the Webhooks page is the test of that.

use url::{Host, Url};

use super::{Check, PUBLIC_URL};
use crate::configuration::Settings;
use crate::telemetry::cause_chain;

pub async fn check(settings: &Settings, web: &reqwest::Client) -> Check {
    let Some(base) = &settings.app_base_url else {
        return if settings.is_sandbox() {
            Check::not_applicable(PUBLIC_URL, "sandbox mode: the store's own address serves")
        } else {
            Check::failed(
                PUBLIC_URL,
                "APP_BASE_URL is not set",
                "set APP_BASE_URL to the store's public https address",
            )
        };
    };
    let health = endpoint(base, "healthz");
    let answer = match web.get(health.clone()).send().await {
        Ok(res) if res.status().is_success() => None,
        Ok(res) => Some(format!("GET {health} answered {}", res.status())),
        Err(e) => Some(format!("GET {health} failed: {}", cause_chain(&e, ": "))),
    };
    let plain_http = base.scheme() == "http";
    if plain_http && !is_loopback(base) && !settings.is_sandbox() {
        let mut finding = format!("{base} is plain http: session cookies lose Secure, and Mercado Pago notifies https URLs only");
        if let Some(problem) = &answer {
            finding.push_str(&format!("; and {problem}"));
        }
        return Check::failed(
            PUBLIC_URL,
            finding,
            "serve the store behind TLS (compose.yaml's Caddy gets a certificate) and set APP_BASE_URL=https://…",
        );
    }
    if let Some(problem) = answer {
        return Check::failed(
            PUBLIC_URL,
            problem,
            format!(
                "start the store, then check DNS, certificate and proxy for {}",
                base.host_str().unwrap_or("the host")
            ),
        );
    }
    if plain_http && !settings.is_sandbox() {
        return Check::warning(
            PUBLIC_URL,
            format!("{base} answers, over loopback http: fine for a local trial only"),
            "to sell, serve the store on a public https address and set APP_BASE_URL to it",
        );
    }
    Check::ok(
        PUBLIC_URL,
        format!("{base} answers /healthz from here; whether Mercado Pago reaches it, only the panel's Simulate button on the Webhooks page can tell"),
    )
}

/// `base` + `path`, keeping a path prefix the store may be served under.
pub fn endpoint(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = url.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{prefix}/{path}"));
    url.set_query(None);
    url
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_a_path_prefix() {
        let at = |base: &str| endpoint(&Url::parse(base).unwrap(), "healthz").to_string();
        assert_eq!(
            at("https://shop.example.com"),
            "https://shop.example.com/healthz"
        );
        assert_eq!(
            at("https://example.com/shop/"),
            "https://example.com/shop/healthz"
        );
        assert_eq!(
            at("http://127.0.0.1:8000/?x=1"),
            "http://127.0.0.1:8000/healthz"
        );
    }

    #[test]
    fn loopback_is_the_machine_itself() {
        for (url, loopback) in [
            ("http://127.0.0.1:8000", true),
            ("http://localhost:8000", true),
            ("http://[::1]:8000", true),
            ("http://shop.example.com", false),
            ("http://10.0.0.5", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(url).unwrap()), loopback, "{url}");
        }
    }
}
