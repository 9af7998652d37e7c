//! `checkout doctor` against a standalone emulator and a store in live mode: each check passes
//! when the setup is right, and fails, with its fix, when one thing is wrong.

use std::collections::HashMap;
use std::process::Command;

use checkout::configuration::Settings;
use checkout::doctor::{self, Report, State};
use mercadopago_sandbox::{start_standalone, RunningSandbox, SandboxConfig};
use sqlx::{Connection, Executor, PgConnection};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{
    server_url, spawn_with, Options, TestApp, ACCESS_TOKEN, PUBLIC_KEY, SESSION_KEY, WEBHOOK_SECRET,
};

async fn emulator(site: &str) -> RunningSandbox {
    let config = SandboxConfig::for_site(site, WEBHOOK_SECRET).expect("a known site");
    start_standalone(config).await.expect("start the emulator")
}

/// A Brazilian store in live mode and its emulator.
async fn brazil() -> (RunningSandbox, TestApp) {
    let mp = emulator("MLB").await;
    let app = store("MLB", &mp).await;
    (mp, app)
}

/// A store in live mode whose Mercado Pago is `emulator`.
async fn store(site: &'static str, emulator: &RunningSandbox) -> TestApp {
    spawn_with(Options {
        site,
        api_base: Some(emulator.base_url.clone()),
        ..Options::default()
    })
    .await
}

async fn database_url(app: &TestApp) -> String {
    let name = app.text("select current_database()").await;
    format!("{}/{name}", server_url())
}

/// The settings of a doctor run on the store's machine: everything right, then `changes`.
async fn vars(
    app: &TestApp,
    api_base: &str,
    site: &str,
    changes: &[(&'static str, &str)],
) -> HashMap<&'static str, String> {
    let mut vars = HashMap::from([
        ("DATABASE_URL", database_url(app).await),
        ("MP_MODE", "live".to_string()),
        ("MP_ACCESS_TOKEN", ACCESS_TOKEN.to_string()),
        ("MP_PUBLIC_KEY", PUBLIC_KEY.to_string()),
        ("MP_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
        ("MP_SITE", site.to_string()),
        ("MP_API_BASE", api_base.to_string()),
        ("APP_BASE_URL", app.address.clone()),
        ("SESSION_KEY", SESSION_KEY.to_string()),
        ("MP_TIMEOUT_SECS", "5".to_string()),
    ]);
    vars.extend(changes.iter().map(|(k, v)| (*k, v.to_string())));
    vars
}

fn settings(vars: &HashMap<&'static str, String>) -> Settings {
    Settings::from_lookup(|k| vars.get(k).cloned()).expect("doctor settings")
}

async fn doctor(vars: &HashMap<&'static str, String>) -> Report {
    examine(&settings(vars)).await
}

/// The doctor on settings the start-up would refuse (it refuses them too: belt and braces).
async fn examine(settings: &Settings) -> Report {
    let report = doctor::run(settings).await;
    let shown = report.to_string();
    for secret in [ACCESS_TOKEN, WEBHOOK_SECRET, SESSION_KEY] {
        assert!(!shown.contains(secret), "a secret in the report:\n{shown}");
    }
    report
}

fn finding<'a>(report: &'a Report, name: &str) -> &'a str {
    &report
        .check(name)
        .unwrap_or_else(|| panic!("no {name} check in\n{report}"))
        .finding
}

/// Only the check `name` fails, and its finding says `words`.
fn fails_saying(report: &Report, name: &str, words: &str) {
    failed_only(report, &[name]);
    assert!(finding(report, name).contains(words), "{report}");
}

/// The check's fix; a failed check always has one.
fn fix(check: &doctor::Check) -> &str {
    check.fix.as_deref().expect("a fix")
}

fn state(report: &Report, name: &str) -> State {
    report
        .check(name)
        .unwrap_or_else(|| panic!("no {name} check in\n{report}"))
        .state
}

fn failed_only(report: &Report, names: &[&str]) {
    for check in &report.checks {
        let expected = names.contains(&check.name);
        assert_eq!(
            check.state == State::Failed,
            expected,
            "{}: {:?}\n{report}",
            check.name,
            check.state
        );
        if check.state != State::Ok && check.state != State::NotApplicable {
            assert!(check.fix.is_some(), "{} has no fix\n{report}", check.name);
        }
    }
    assert_eq!(report.failed(), !names.is_empty());
}

#[tokio::test]
async fn every_check_passes_when_the_setup_is_right() {
    let (mp, app) = brazil().await;
    let report = doctor(&vars(&app, &mp.base_url, "MLB", &[]).await).await;
    failed_only(&report, &[]);
    assert_eq!(state(&report, doctor::DATABASE), State::Ok, "{report}");
    let token = report.check(doctor::ACCESS_TOKEN).unwrap();
    assert_eq!(token.state, State::Warning, "test credentials: {report}");
    let id = mercadopago_sandbox::COLLECTOR_ID.to_string();
    assert!(
        token.finding.contains(&id) && token.finding.contains("MLB"),
        "{report}"
    );
    assert!(token.finding.contains("TESTUSER"), "the nickname: {report}");
    for name in [
        doctor::SITE,
        doctor::PUBLIC_KEY,
        doctor::WEBHOOK_SECRET,
        doctor::CSP,
    ] {
        assert_eq!(state(&report, name), State::Ok, "{name}\n{report}");
    }
    assert_eq!(
        state(&report, doctor::PUBLIC_URL),
        State::Warning,
        "loopback http is for a trial: {report}"
    );
}

#[tokio::test]
async fn a_token_of_another_site_fails_the_site_check() {
    let mp = emulator("MLA").await;
    let app = store("MLB", &mp).await;
    let report = doctor(&vars(&app, &mp.base_url, "MLB", &[]).await).await;
    failed_only(&report, &[doctor::SITE]);
    let site = report.check(doctor::SITE).unwrap();
    assert!(site.finding.contains("MLA"), "{report}");
    assert!(fix(site).contains("MP_SITE=MLA"), "{report}");
}

#[tokio::test]
async fn a_refused_token_fails_and_says_where_to_copy_one() {
    let (mp, app) = brazil().await;
    // Production credentials the emulator (a test account) does not know.
    let changes = [
        ("MP_ACCESS_TOKEN", "APP_USR-0000-refused-token-0000"),
        ("MP_PUBLIC_KEY", "APP_USR-refused-public-key"),
    ];
    let report = doctor(&vars(&app, &mp.base_url, "MLB", &changes).await).await;
    failed_only(&report, &[doctor::ACCESS_TOKEN, doctor::PUBLIC_KEY]);
    let token = report.check(doctor::ACCESS_TOKEN).unwrap();
    assert!(token.finding.contains("401"), "{report}");
    assert!(fix(token).contains("MP_ACCESS_TOKEN"), "{report}");
    assert!(fix(token).contains("credentials"), "{report}");
    assert_eq!(state(&report, doctor::SITE), State::NotApplicable);
    let key = report.check(doctor::PUBLIC_KEY).unwrap();
    assert!(key.finding.contains("does not accept"), "{report}");
    assert!(!report.to_string().contains("refused-token"), "{report}");
}

#[tokio::test]
async fn a_public_key_that_is_not_the_accounts_fails() {
    // A mock Mercado Pago, to answer for keys the emulator would take.
    let app = spawn_with(Options::default()).await;
    Mock::given(method("GET"))
        .and(path("/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"id": 77, "nickname": "SHOP", "site_id": "MLB", "country_id": "BR"}),
        ))
        .mount(&app.mp)
        .await;
    let search = |sites: &[&str]| {
        let results: Vec<_> = sites
            .iter()
            .map(|s| serde_json::json!({"id": "visa", "site_id": s}))
            .collect();
        serde_json::json!({"paging": {"total": results.len()}, "results": results})
    };
    let answer = |status: u16| ResponseTemplate::new(status);
    let key_answers = [
        ("TEST-refused", answer(401), "does not accept"),
        ("TEST-unknown", answer(404), "does not accept"),
        (
            "TEST-argentine",
            answer(200).set_body_json(search(&["MLA"])),
            "site MLA",
        ),
        ("APP_USR-production", answer(200), "production"),
        ("pk-of-nothing", answer(200), "TEST-… or APP_USR-…"),
    ];
    for (key, answer, _) in &key_answers {
        Mock::given(method("GET"))
            .and(path("/v1/payment_methods/search"))
            .and(wiremock::matchers::query_param("public_key", *key))
            .respond_with(answer.clone())
            .mount(&app.mp)
            .await;
    }
    for (key, _, said) in key_answers {
        let mut settings = settings(&vars(&app, &app.mp.uri(), "MLB", &[]).await);
        settings.mercadopago.public_key = key.to_string();
        let report = examine(&settings).await;
        failed_only(&report, &[doctor::PUBLIC_KEY]);
        let check = report.check(doctor::PUBLIC_KEY).unwrap();
        assert!(check.finding.contains(said), "{key}: {report}");
        assert!(fix(check).contains("MP_PUBLIC_KEY"), "{report}");
    }
}

#[tokio::test]
async fn a_database_never_migrated_fails_and_is_left_unmigrated() {
    let (mp, app) = brazil().await;
    let empty = format!("doctor_empty_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&format!("{}/postgres", server_url()))
        .await
        .unwrap();
    admin
        .execute(format!(r#"create database "{empty}""#).as_str())
        .await
        .unwrap();
    let url = format!("{}/{empty}", server_url());
    let report = doctor(&vars(&app, &mp.base_url, "MLB", &[("DATABASE_URL", &url)]).await).await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let migrated: bool = sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    admin
        .execute(format!(r#"drop database "{empty}" with (force)"#).as_str())
        .await
        .unwrap();
    failed_only(&report, &[doctor::DATABASE]);
    let database = report.check(doctor::DATABASE).unwrap();
    assert!(database.finding.contains("not applied"), "{report}");
    assert!(fix(database).contains("start the store"), "{report}");
    assert!(!migrated, "the doctor only looks");
}

#[tokio::test]
async fn a_half_migrated_database_fails() {
    let (mp, app) = brazil().await;
    app.execute(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .await;
    let report = doctor(&vars(&app, &mp.base_url, "MLB", &[]).await).await;
    fails_saying(&report, doctor::DATABASE, "1 of");
}

#[tokio::test]
async fn a_failed_migration_fails_and_newer_ones_are_accepted() {
    let (mp, app) = brazil().await;
    let vars = vars(&app, &mp.base_url, "MLB", &[]).await;
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time) \
         values (99990101000000, 'from a newer release', true, '\\x00', 1)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let report = doctor(&vars).await;
    failed_only(&report, &[]);
    let database = report.check(doctor::DATABASE).unwrap();
    assert!(
        database.finding.contains("1 from a newer release"),
        "{report}"
    );

    app.execute("update _sqlx_migrations set success = false where version = (select min(version) from _sqlx_migrations)").await;
    let report = doctor(&vars).await;
    fails_saying(&report, doctor::DATABASE, "failed part-way");
}

#[tokio::test]
async fn a_public_url_over_plain_http_fails() {
    let (mp, app) = brazil().await;
    let plain = [("APP_BASE_URL", "http://shop.invalid")];
    let vars_plain = vars(&app, &mp.base_url, "MLB", &plain).await;
    let refused = Settings::from_lookup(|k| vars_plain.get(k).cloned()).unwrap_err();
    assert_eq!(
        refused.variable, "APP_BASE_URL",
        "the store refuses it at start too"
    );
    let mut settings = settings(&vars(&app, &mp.base_url, "MLB", &[]).await);
    // `.invalid` never resolves: the URL is wrong twice, and both are said.
    settings.app_base_url = Some("http://shop.invalid".parse().unwrap());
    let report = examine(&settings).await;
    failed_only(&report, &[doctor::PUBLIC_URL]);
    let url = report.check(doctor::PUBLIC_URL).unwrap();
    assert!(url.finding.contains("plain http"), "{report}");
    assert!(url.finding.contains("shop.invalid/healthz"), "{report}");
    assert!(url.fix.as_deref().unwrap().contains("https"), "{report}");
    assert_eq!(
        state(&report, doctor::CSP),
        State::NotApplicable,
        "{report}"
    );
}

/// A stand-in for the store behind a proxy that sends its own policy.
async fn site_with_policy(header: &'static str, policy: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/healthz"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(ResponseTemplate::new(200).insert_header(header, policy))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_policy_without_a_brick_host_fails() {
    let (mp, app) = brazil().await;
    let hosts = checkout::security::brick_hosts(checkout::domain::Site::Mlb);
    // A host no other of the list covers (a wildcard covers its subdomains).
    let (dropped, kept) = hosts
        .iter()
        .map(|h| {
            let kept: Vec<&str> = hosts.iter().copied().filter(|o| o != h).collect();
            (*h, kept)
        })
        .find(|(h, kept)| {
            let policy = format!("default-src {}", kept.join(" "));
            !doctor::missing_hosts(&policy, &[*h]).is_empty()
        })
        .expect("a host only itself allows");
    let policy = format!("default-src 'self'; script-src 'self' {}", kept.join(" "));
    let proxy = site_with_policy("content-security-policy", &policy).await;
    let report =
        doctor(&vars(&app, &mp.base_url, "MLB", &[("APP_BASE_URL", &proxy.uri())]).await).await;
    failed_only(&report, &[doctor::CSP]);
    let csp = report.check(doctor::CSP).unwrap();
    assert!(csp.finding.contains(dropped), "{report}");
    assert!(fix(csp).contains("CSP_EXTRA_HOSTS"), "{report}");

    let full = format!("default-src 'self' {}", hosts.join(" "));
    let report_only = site_with_policy("content-security-policy-report-only", &full).await;
    let report = doctor(
        &vars(
            &app,
            &mp.base_url,
            "MLB",
            &[("APP_BASE_URL", &report_only.uri())],
        )
        .await,
    )
    .await;
    failed_only(&report, &[]);
    assert_eq!(
        state(&report, doctor::CSP),
        State::Warning,
        "report-only: {report}"
    );
}

#[tokio::test]
async fn the_binary_prints_the_list_and_exits_non_zero_on_a_failure() {
    let (mp, app) = brazil().await;
    // The newest migration forgotten: the one failure to show.
    app.execute(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .await;
    let vars = vars(&app, &mp.base_url, "MLB", &[]).await;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_checkout"))
            .arg("doctor")
            .env_clear()
            .envs(vars)
            .env("RUST_LOG", "off")
            .output()
            .expect("run checkout doctor")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "checkout doctor: live mode, site MLB", "{stdout}");
    let marks: Vec<&str> = lines
        .iter()
        .filter(|l| !l.starts_with("    fix: "))
        .skip(1)
        .filter_map(|l| l.split_once(':').map(|(head, _)| head))
        .collect();
    assert_eq!(
        marks,
        [
            "✘ database",
            "⚠ access token",
            "✔ site",
            "✔ public key",
            "⚠ public URL",
            "✔ webhook secret",
            "✔ content security policy",
        ],
        "{stdout}"
    );
    assert!(stdout.contains("    fix: start the store once"), "{stdout}");
    assert_eq!(lines.last(), Some(&"1 problem to fix"), "{stdout}");
    assert!(
        !stdout.contains(ACCESS_TOKEN) && !stdout.contains(WEBHOOK_SECRET),
        "{stdout}"
    );
}
