//! Going live: start-up refusals, the test-credentials banner, the Content-Security-Policy
//! and its reports, readiness, fresh orders, and a graceful stop with a payment in flight.

use std::cell::RefCell;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use common::{
    approved_after, approving_checkout, card_submission, eventually, spawn_app, spawn_with,
    Checkout, Options, TestApp,
};

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Runs the real binary with only these variables and returns its exit code and stderr.
fn start_with(vars: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_checkout"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(vars.iter().copied())
        .output()
        .expect("run the checkout binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_store_refuses_to_start_as_a_sandbox_that_others_can_reach() {
    let db = (
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:1/never-reached",
    );
    let (code, err) = start_with(&[db, ("HOST", "0.0.0.0")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("MP_ACCESS_TOKEN"), "{err}");
    assert!(
        err.contains("MP_MODE=sandbox"),
        "the message says what to set: {err}"
    );

    let (code, err) = start_with(&[db, ("APP_BASE_URL", "https://shop.example.com")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("APP_BASE_URL=https://shop.example.com"),
        "{err}"
    );
}

#[test]
fn live_mode_refuses_plain_http_and_the_sandboxs_secrets_without_printing_secrets() {
    let live = [
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/never-reached",
        ),
        ("MP_ACCESS_TOKEN", "APP_USR-1234-secret-token-value"),
        ("MP_PUBLIC_KEY", "APP_USR-public"),
        ("MP_WEBHOOK_SECRET", "whsec-secret-value"),
        ("MP_SITE", "MLB"),
        (
            "SESSION_KEY",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
    ];
    let mut http = live.to_vec();
    http.push(("APP_BASE_URL", "http://shop.example.com"));
    let (code, err) = start_with(&http);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("APP_BASE_URL") && err.contains("https"),
        "{err}"
    );

    let mut sandbox_secret = live.to_vec();
    sandbox_secret.push(("APP_BASE_URL", "https://shop.example.com"));
    sandbox_secret[3] = ("MP_WEBHOOK_SECRET", "sandbox-webhook-secret");
    let (code, err) = start_with(&sandbox_secret);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("MP_WEBHOOK_SECRET"), "{err}");
    for secret in [
        "secret-token-value",
        "sandbox-webhook-secret",
        "0123456789abcdef",
    ] {
        assert!(!err.contains(secret), "a secret reached the output: {err}");
    }
}

#[tokio::test]
async fn test_credentials_put_a_banner_on_shopper_and_error_pages_production_ones_do_not() {
    // The test apps run on TEST- credentials, as a merchant trying the real sandbox would.
    let app = spawn_app().await;
    for page in ["/", "/cart", "/nowhere"] {
        let html = app.get(page).await.text().await.unwrap();
        assert!(
            html.contains("test-credentials"),
            "{page} shows the banner: {html}"
        );
    }
    let production = spawn_with(Options {
        env: vec![
            ("MP_ACCESS_TOKEN", "APP_USR-1234-production-token".into()),
            ("MP_PUBLIC_KEY", "APP_USR-production-public-key".into()),
        ],
        ..Options::default()
    })
    .await;
    let html = production.get("/").await.text().await.unwrap();
    assert!(!html.contains("test-credentials"), "{html}");
    let sandbox = spawn_with(Options::default().sandbox()).await;
    let html = sandbox.get("/").await.text().await.unwrap();
    assert!(html.contains("sandbox-banner") && !html.contains("test-credentials"));
}

#[tokio::test]
async fn the_policy_names_the_sites_brick_hosts_and_can_be_report_only() {
    let app = spawn_with(Options::default().site("MLA")).await;
    let res = app.get("/").await;
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    for host in checkout::security::brick_hosts(checkout::domain::Site::Mla) {
        assert!(csp.contains(host), "{host} missing from {csp}");
    }
    assert!(
        csp.contains("report-uri http://localhost/csp-report"),
        "{csp}"
    );
    assert!(
        res.headers().get("strict-transport-security").is_none(),
        "no HSTS on http"
    );
    assert!(res.headers()["reporting-endpoints"]
        .to_str()
        .unwrap()
        .contains("/csp-report"));

    let report_only = spawn_with(Options {
        base_url: "https://shop.example.com",
        env: vec![
            ("CSP_REPORT_ONLY", "true".into()),
            ("CSP_EXTRA_HOSTS", "https://cdn.example.com".into()),
        ],
        ..Options::default()
    })
    .await;
    let res = report_only.get("/").await;
    assert!(res.headers().get("content-security-policy").is_none());
    let csp = res.headers()["content-security-policy-report-only"]
        .to_str()
        .unwrap();
    assert!(csp.contains("https://cdn.example.com"), "{csp}");
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}

#[tokio::test]
async fn csp_reports_of_both_formats_are_taken_and_garbage_is_refused() {
    let app = spawn_app().await;
    let post = |content_type: &'static str, body: String| {
        app.client
            .post(app.url("/csp-report"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
    };
    let legacy = json!({"csp-report": {
        "document-uri": "https://shop.example.com/checkout?x=secret",
        "violated-directive": "script-src",
        "blocked-uri": "https://evil.example.com/x.js"
    }});
    let modern = json!([{"type": "csp-violation", "body": {
        "documentURL": "https://shop.example.com/checkout",
        "effectiveDirective": "frame-src",
        "blockedURL": "https://www.mercadopago.com.ar/x",
        "disposition": "report"
    }}]);
    // More than the log budget: every report is still answered the same way.
    for _ in 0..40 {
        let res = post("application/csp-report", legacy.to_string())
            .await
            .unwrap();
        assert_eq!(res.status(), 204);
    }
    let res = post("application/reports+json", modern.to_string())
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = post("application/csp-report", "not json".into())
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = post("application/csp-report", "x".repeat(100_000))
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "a report has a size limit");
}

#[tokio::test]
async fn readyz_needs_every_migration_and_healthz_only_the_process() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.execute(
        "delete from _sqlx_migrations where version = (select max(version) from _sqlx_migrations)",
    )
    .await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "migrations pending");
    assert_eq!(app.get("/healthz").await.status(), 200);
}

/// Makes the order's prices as old as `interval` (a PostgreSQL interval, "2 hours").
async fn age(app: &TestApp, order_id: &str, interval: &str) {
    app.execute(&format!(
        "update orders set priced_at = now() - interval '{interval}' where id = '{order_id}'"
    ))
    .await;
}

async fn set_status(app: &TestApp, order_id: &str, status: &str) {
    app.execute(&format!(
        "update orders set status = '{status}' where id = '{order_id}'"
    ))
    .await;
}

async fn set_price(app: &TestApp, product_id: i64, minor: i64) {
    app.execute(&format!(
        "update products set price_minor = {minor} where id = {product_id}"
    ))
    .await;
}

/// Opens the checkout until it shows another order than `order_id` (the catalog is cached
/// for a few seconds, so a price change shows within that).
async fn checkout_after_change(app: &TestApp, order_id: &str) -> Checkout {
    let replaced = RefCell::new(None);
    eventually("the order is replaced", Duration::from_secs(10), || async {
        let checkout = app.open_checkout().await;
        let other = checkout.order_id != order_id;
        *replaced.borrow_mut() = Some(checkout);
        other
    })
    .await;
    replaced.into_inner().unwrap()
}

#[tokio::test]
async fn a_changed_price_replaces_the_open_order_with_a_message() {
    let app = spawn_app().await;
    let first = app.start_checkout().await;
    assert!(!first.html.contains("class=\"notice\""));
    let ids = app.product_ids().await;
    set_price(&app, ids[0], 12_345).await;
    let second = checkout_after_change(&app, &first.order_id).await;
    assert!(
        second.html.contains("class=\"notice\""),
        "the shopper is told"
    );
    assert_ne!(second.amount, first.amount);
    assert_eq!(app.order_status(&first.order_id).await, "cancelled");
    let notes = app
        .count(&format!(
            "select count(*) from order_history where order_id = '{}' and note = 'replaced: prices changed'",
            first.order_id
        ))
        .await;
    assert_eq!(notes, 1);
    // The old page cannot pay the old order any more.
    let (status, _) = json_of(app.pay(&first.csrf, &card_submission(&first.amount)).await).await;
    assert!(status == 409 || status == 422, "{status}");
    assert!(app.payment_calls().await.is_empty());
}

#[tokio::test]
async fn an_order_older_than_the_freshness_window_is_repriced_before_it_is_paid() {
    let (app, checkout) = approving_checkout().await;
    // Prices changed while the page stood open for an hour: no charge, a clear answer.
    age(&app, &checkout.order_id, "60 minutes").await;
    let ids = app.product_ids().await;
    set_price(&app, ids[1], 99_999).await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "prices_changed");
    assert!(app.payment_calls().await.is_empty(), "nothing was charged");
    assert_eq!(app.order_status(&checkout.order_id).await, "created");

    // Same age, prices unchanged: the order is confirmed fresh and paid.
    let (app, checkout) = approving_checkout().await;
    age(&app, &checkout.order_id, "60 minutes").await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}

#[tokio::test]
async fn unpaid_orders_expire_and_a_late_payment_cannot_use_them() {
    // The worker every second.
    let options = Options::default().reconcile_secs(1);
    let app = spawn_with(options.env("UNPAID_ORDER_EXPIRY_HOURS", "1")).await;
    app.mp_answers("approved", "accredited").await;
    let old = app.start_checkout().await;
    age(&app, &old.order_id, "2 hours").await;
    eventually(
        "the worker expires the order",
        Duration::from_secs(10),
        || {
            let app = &app;
            let id = old.order_id.clone();
            async move { app.order_status(&id).await == "cancelled" }
        },
    )
    .await;
    let (status, body) = json_of(app.pay(&old.csrf, &card_submission(&old.amount)).await).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "order_closed");
    assert!(app.payment_calls().await.is_empty());
}

#[tokio::test]
async fn a_stop_refuses_new_payments_and_lets_the_one_in_flight_finish_and_be_recorded() {
    let mut app = spawn_with(Options::default().timeout_secs(10)).await;
    app.mp_creates(approved_after(Duration::from_millis(1500)))
        .await;
    let checkout = app.start_checkout().await;
    let request = app
        .client
        .post(app.url("/process_payment"))
        .header("X-CSRF-Token", &checkout.csrf)
        .json(&checkout.card());
    // A second shopper, with the checkout open too, who will submit while the store drains.
    app.client = common::browser();
    let other = app.start_checkout().await;

    let in_flight = tokio::spawn(async move { request.send().await });
    eventually(
        "the payment call is under way",
        Duration::from_secs(5),
        || {
            let app = &app;
            async move { !app.payment_calls().await.is_empty() }
        },
    )
    .await;
    app.stopper.drain();
    assert_eq!(app.get("/readyz").await.status(), 503);
    let res = app.pay(&other.csrf, &card_submission(&other.amount)).await;
    assert_eq!(res.headers()["retry-after"], "5");
    let (status, body) = json_of(res).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "store_restarting");
    let stopping = {
        let stopper = app.stopper.clone();
        tokio::spawn(async move { stopper.stop().await })
    };

    let res = in_flight
        .await
        .unwrap()
        .expect("the payment in flight is answered");
    let (status, body) = json_of(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    tokio::time::timeout(Duration::from_secs(15), stopping)
        .await
        .expect("the server stops once the request in flight is done")
        .unwrap();
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
    assert_eq!(app.order_status(&other.order_id).await, "created");
    assert_eq!(
        app.payment_calls().await.len(),
        1,
        "the refused submit called nobody"
    );
    app.assert_count(
        "select count(*) from payment_attempts where state = 'in_flight'",
        0,
    )
    .await;
}

/// The checkout page reads the open order, then replaces it; a payment another tab starts in
/// between must win. The replacement's cancel re-reads the status under the row lock.
#[tokio::test]
async fn a_replacement_never_cancels_an_order_another_tab_started_paying() {
    let app = spawn_app().await;
    let first = app.start_checkout().await;
    let id = checkout::domain::OrderId::parse(&first.order_id).unwrap();
    set_status(&app, &first.order_id, "processing").await;
    let mut tx = app.pool.begin().await.unwrap();
    let cancelled = checkout::db::orders::cancel_unpaid(&mut tx, id, "replaced")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(!cancelled);
    assert_eq!(app.order_status(&first.order_id).await, "processing");

    set_status(&app, &first.order_id, "rejected").await;
    let mut tx = app.pool.begin().await.unwrap();
    assert!(checkout::db::orders::cancel_unpaid(&mut tx, id, "replaced")
        .await
        .unwrap());
    tx.commit().await.unwrap();
    assert_eq!(app.order_status(&first.order_id).await, "cancelled");
}
