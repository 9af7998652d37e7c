//! How the store reaches PostgreSQL: `DATABASE_URL`'s options, with one default of its own.
//!
//! sqlx, like libpq, tries TLS first (`sslmode=prefer`) wherever the server offers it, and
//! Debian's PostgreSQL offers it on every TCP connection, loopback included. On loopback TLS
//! protects nothing (a process that can read this machine's loopback traffic can read the
//! database's files), and every statement pays for it twice, in the store and in its
//! backend: about 4% of PostgreSQL's CPU per payment (docs/PERFORMANCE.md, sixteenth
//! session). So a database on this machine is reached without TLS unless the URL (`sslmode`)
//! or `PGSSLMODE` asks for it; any other host keeps sqlx's default. A local TLS-terminating
//! proxy (a cloud SQL proxy on 127.0.0.1) is covered by the same rule: the proxy encrypts.

use std::net::IpAddr;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

/// The connection options for `url`. `sslmode_from_env`: `PGSSLMODE` is set, so its choice
/// (which sqlx reads itself) stands. The connections are named `checkout` in
/// `pg_stat_activity` unless the URL names them (`application_name`).
pub fn options(url: &str, sslmode_from_env: bool) -> Result<PgConnectOptions, sqlx::Error> {
    let mut options = PgConnectOptions::from_str(url)?;
    if options.get_application_name().is_none() {
        options = options.application_name("checkout");
    }
    if sslmode_from_env || names_sslmode(url) || !on_this_machine(options.get_host()) {
        return Ok(options);
    }
    Ok(options.ssl_mode(PgSslMode::Disable))
}

/// The URL's query names a TLS mode (sqlx reads `sslmode` and `ssl-mode`).
fn names_sslmode(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.query_pairs()
            .any(|(k, _)| k == "sslmode" || k == "ssl-mode")
    })
}

/// A loopback address, `localhost`, or a Unix socket's directory.
fn on_this_machine(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || IpAddr::from_str(host).is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str, from_env: bool) -> PgSslMode {
        options(url, from_env).unwrap().get_ssl_mode()
    }

    #[test]
    fn a_database_on_this_machine_is_reached_without_tls_by_default() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/checkout",
            "postgres://postgres@127.0.0.2/checkout",
            "postgres://postgres@localhost/checkout",
            "postgresql://postgres@[::1]:5432/checkout",
        ] {
            assert!(matches!(mode(url, false), PgSslMode::Disable), "{url}");
        }
    }

    #[test]
    fn an_explicit_sslmode_stands_on_this_machine_too() {
        assert!(matches!(
            mode("postgres://p@127.0.0.1/c?sslmode=require", false),
            PgSslMode::Require
        ));
        assert!(matches!(
            mode("postgres://p@localhost/c?ssl-mode=verify-full", false),
            PgSslMode::VerifyFull
        ));
        // PGSSLMODE set: whatever sqlx made of it is kept (here the default, as the test
        // does not set the variable itself).
        assert!(!matches!(
            mode("postgres://p@127.0.0.1/c", true),
            PgSslMode::Disable
        ));
    }

    #[test]
    fn another_host_keeps_the_default() {
        for url in [
            "postgres://p@db.example.com:5432/c",
            "postgres://p@10.0.0.5/c",
            "postgres://p@[2001:db8::1]/c",
        ] {
            assert!(!matches!(mode(url, false), PgSslMode::Disable), "{url}");
        }
    }
}
