//! The Content-Security-Policy the home page really arrives with (after any proxy), against
//! the hosts the Brick loads from for the site. A host missing from it is a dead checkout that
//! no test in sandbox mode would show.

use reqwest::header::HeaderMap;

use super::public_url::endpoint;
use super::{Check, CSP};
use crate::configuration::Settings;

pub async fn check(settings: &Settings, web: &reqwest::Client) -> Check {
    if settings.is_sandbox() {
        return Check::not_applicable(
            CSP,
            "sandbox mode: the emulator's stand-in Brick loads from the store itself",
        );
    }
    let Some(base) = &settings.app_base_url else {
        return Check::not_applicable(CSP, "needs APP_BASE_URL");
    };
    let home = endpoint(base, "");
    let headers = match web.get(home.clone()).send().await {
        Ok(res) if res.status().is_success() => res.headers().clone(),
        Ok(res) => {
            return Check::not_applicable(
                CSP,
                format!(
                    "GET {home} answered {}: see {}",
                    res.status(),
                    super::PUBLIC_URL
                ),
            )
        }
        Err(_) => {
            return Check::not_applicable(
                CSP,
                format!("home page not reachable: see {}", super::PUBLIC_URL),
            )
        }
    };
    judge(
        &headers,
        &crate::security::brick_hosts(settings.site),
        settings.site.id(),
    )
}

/// The verdict on the policies in `headers` for `hosts`.
pub fn judge(headers: &HeaderMap, hosts: &[&str], site: &str) -> Check {
    let read = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(String::from))
            .collect()
    };
    let enforced = read("content-security-policy");
    let (policies, report_only) = if enforced.is_empty() {
        (read("content-security-policy-report-only"), true)
    } else {
        (enforced, false)
    };
    if policies.is_empty() {
        return Check::warning(
            CSP,
            "the home page arrives with no Content-Security-Policy: nothing is blocked, nothing protected",
            "make the proxy pass the store's Content-Security-Policy header on",
        );
    }
    // Every policy sent applies: a host must get through each of them.
    let mut missing: Vec<&str> = Vec::new();
    for policy in &policies {
        for host in missing_hosts(policy, hosts) {
            if !missing.contains(&host) {
                missing.push(host);
            }
        }
    }
    if !missing.is_empty() {
        return Check::failed(
            CSP,
            format!(
                "the policy does not allow {} (the Brick loads from it for {site})",
                missing.join(", ")
            ),
            "add the hosts to CSP_EXTRA_HOSTS (comma-separated); if a proxy sets its own policy, make it keep the store's",
        );
    }
    if report_only {
        return Check::warning(
            CSP,
            format!(
                "report-only, and it allows the {} hosts the Brick loads from for {site}",
                hosts.len()
            ),
            "once /csp-report stays quiet with real shoppers, set CSP_REPORT_ONLY=false",
        );
    }
    Check::ok(
        CSP,
        format!(
            "allows the {} hosts the Brick loads from for {site}",
            hosts.len()
        ),
    )
}

/// The directives through which the Brick reaches its hosts: scripts, API calls, frames,
/// images, styles and fonts.
const FETCH_DIRECTIVES: [&str; 6] = [
    "script-src",
    "connect-src",
    "frame-src",
    "img-src",
    "style-src",
    "font-src",
];

/// The hosts of `hosts` (`sdk.mercadopago.com`, `https://*.mlstatic.com`...) that no fetch
/// directive of `policy` allows. A host counts as allowed when one of the directives names it
/// or a wildcard over it; which directive each host needs is the store's policy's business.
pub fn missing_hosts<'a>(policy: &str, hosts: &[&'a str]) -> Vec<&'a str> {
    let directives: Vec<(String, Vec<&str>)> = policy
        .split(';')
        .filter_map(|d| {
            let mut parts = d.split_ascii_whitespace();
            let name = parts.next()?.to_ascii_lowercase();
            Some((name, parts.collect()))
        })
        .collect();
    let sources = |name: &str| {
        directives
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| directives.iter().find(|(n, _)| n == "default-src"))
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    let allowed: Vec<&str> = FETCH_DIRECTIVES.iter().flat_map(|d| sources(d)).collect();
    hosts
        .iter()
        .copied()
        .filter(|host| {
            let wanted = bare_host(host);
            !allowed.iter().any(|source| source_allows(source, &wanted))
        })
        .collect()
}

/// `https://*.example.com/path` -> `*.example.com`, lowercased.
fn bare_host(source: &str) -> String {
    let rest = source.split_once("://").map_or(source, |(_, rest)| rest);
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit() || c == '*') => h,
        _ => host,
    };
    host.to_ascii_lowercase()
}

fn source_allows(source: &str, wanted: &str) -> bool {
    let source_lower = source.to_ascii_lowercase();
    if source.starts_with('\'') || source_lower.starts_with("data:") || source_lower == "blob:" {
        return false;
    }
    // `*` and a bare `https:` allow every host over https.
    if source == "*" || source_lower == "https:" {
        return true;
    }
    let source = bare_host(&source_lower);
    if source == wanted {
        return true;
    }
    match source.strip_prefix("*.") {
        // `*.example.com` covers `a.example.com` and `*.a.example.com`, never `example.com`.
        Some(parent) => {
            let wanted = wanted.strip_prefix("*.").unwrap_or(wanted);
            wanted.ends_with(&format!(".{parent}"))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::State;
    use reqwest::header::HeaderValue;

    const POLICY: &str = "default-src 'self'; script-src 'self' https://sdk.mercadopago.com \
        https://*.mercadopago.com.br; connect-src 'self' https://api.mercadopago.com; \
        img-src 'self' data: https://*.mlstatic.com; frame-src https://*.mercadolivre.com";

    #[test]
    fn named_and_wildcard_hosts_are_allowed() {
        let hosts = [
            "sdk.mercadopago.com",
            "https://api.mercadopago.com",
            "https://www.mercadopago.com.br",
            "*.mercadopago.com.br",
            "http2.mlstatic.com",
            "https://*.mercadolivre.com",
        ];
        assert!(missing_hosts(POLICY, &hosts).is_empty());
    }

    #[test]
    fn absent_hosts_and_bare_parents_are_missing() {
        let hosts = [
            "https://mercadopago.com.br",
            "*.mercadopago.com.ar",
            "www.mercadolibre.com",
            "*.mercadopago.com",
        ];
        assert_eq!(missing_hosts(POLICY, &hosts), hosts.to_vec());
    }

    #[test]
    fn default_src_stands_in_for_missing_directives() {
        let policy = "default-src 'self' https://*.mercadopago.com";
        assert!(missing_hosts(policy, &["sdk.mercadopago.com"]).is_empty());
        assert_eq!(
            missing_hosts("object-src 'none'", &["sdk.mercadopago.com"]),
            vec!["sdk.mercadopago.com"]
        );
    }

    #[test]
    fn every_policy_sent_must_allow_and_report_only_is_a_warning() {
        let mut headers = HeaderMap::new();
        headers.append("content-security-policy", HeaderValue::from_static(POLICY));
        assert_eq!(
            judge(&headers, &["sdk.mercadopago.com"], "MLB").state,
            State::Ok
        );
        headers.append(
            "content-security-policy",
            HeaderValue::from_static("script-src 'self'"),
        );
        let verdict = judge(&headers, &["sdk.mercadopago.com"], "MLB");
        assert_eq!(verdict.state, State::Failed);
        assert!(
            verdict.finding.contains("sdk.mercadopago.com"),
            "{}",
            verdict.finding
        );
        let mut report_only = HeaderMap::new();
        report_only.append(
            "content-security-policy-report-only",
            HeaderValue::from_static(POLICY),
        );
        assert_eq!(
            judge(&report_only, &["sdk.mercadopago.com"], "MLB").state,
            State::Warning
        );
        assert_eq!(judge(&HeaderMap::new(), &[], "MLB").state, State::Warning);
    }
}
