//! `/metrics`: what a payment and its webhook leave there, the gauges read from the database,
//! and who may read it.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use common::{eventually, now_ms, server_url, spawn_app, spawn_with, Options, TestApp, APPROVED};

const TOKEN: &str = "metrics-token-0123456789abcdef";

/// Every series of a scrape, by `name{labels}`; panics on a line that is not exposition text.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut described = Vec::new();
    let mut series = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            assert!(
                ["counter", "gauge", "histogram"].contains(&kind),
                "type of {name}: {kind}"
            );
            described.push(name.to_string());
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (key, value) = line.rsplit_once(' ').expect("name{labels} value");
        let name = key.split('{').next().unwrap();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad metric name in {line:?}"
        );
        if let Some(labels) = key.strip_prefix(name) {
            assert!(
                labels.is_empty()
                    || (labels.starts_with('{') && labels.ends_with('}') && labels.contains("=\"")),
                "bad labels in {line:?}"
            );
        }
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .filter(|base| described.iter().any(|d| d == base))
            .unwrap_or(name);
        assert!(
            described.iter().any(|d| d == family),
            "{name} has no # TYPE before it"
        );
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a number in {line:?}"));
        assert!(
            series.insert(key.to_string(), value).is_none(),
            "{key} twice"
        );
    }
    series
}

async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain; version=0.0.4"));
    parse(&res.text().await.unwrap())
}

fn value(series: &HashMap<String, f64>, key: &str) -> f64 {
    *series
        .get(key)
        .unwrap_or_else(|| panic!("no series {key}; have {:#?}", series.keys()))
}

fn assert_values(series: &HashMap<String, f64>, want: &[(&str, f64)]) {
    for (key, want) in want {
        assert_eq!(value(series, key), *want, "{key}");
    }
}

#[tokio::test]
async fn a_card_payment_and_its_webhook_are_counted() {
    let app = spawn_app().await;
    app.mp_answers("in_process", "pending_contingency").await;
    let checkout = app.start_checkout().await;

    let refused = app.pay("not-the-csrf-token", &checkout.card()).await;
    assert_eq!(refused.status(), 403);
    let answer: Value = app.pay_card(&checkout).await.json().await.unwrap();
    let payment_id = answer["payment_id"].as_i64().expect("a payment id");

    Mock::given(method("GET"))
        .and(path(format!("/v1/payments/{payment_id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(checkout.payment(
            payment_id,
            APPROVED,
            "master",
            Some(1),
        )))
        .mount(&app.mp)
        .await;
    // Signed three seconds ago: the lag is at least that.
    assert_eq!(
        app.notify_signed(payment_id, now_ms() - 3_000, "req-m1")
            .await,
        200
    );
    let forged = app
        .client
        .post(app.url(&format!(
            "/webhooks/mercadopago?data.id={payment_id}&type=payment"
        )))
        .header(
            "x-signature",
            format!("ts={},v1={}", now_ms(), "ab".repeat(32)),
        )
        .header("x-request-id", "req-forged")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    eventually(
        "the notification applied",
        Duration::from_secs(10),
        || async {
            scrape(&app)
                .await
                .get("checkout_webhooks_processed_total{result=\"applied\"}")
                == Some(&1.0)
        },
    )
    .await;
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");

    let m = scrape(&app).await;
    let card = |status: &str| {
        format!("checkout_payments_total{{method=\"credit_card\",status=\"{status}\"}}")
    };
    assert_eq!(value(&m, &card("in_process")), 1.0, "the checkout's answer");
    assert_eq!(value(&m, &card("approved")), 1.0, "the webhook's re-read");
    let requests = |result: &str| format!("checkout_payment_requests_total{{result=\"{result}\"}}");
    assert_eq!(value(&m, &requests("pending")), 1.0);
    assert_eq!(value(&m, &requests("refused")), 1.0);
    assert_eq!(value(&m, &requests("approved")), 0.0);
    let calls = |endpoint: &str| {
        format!("checkout_mercadopago_request_duration_seconds_count{{endpoint=\"{endpoint}\"}}")
    };
    assert_eq!(value(&m, &calls("POST /v1/payments")), 1.0);
    assert_eq!(value(&m, &calls("GET /v1/payments/{id}")), 1.0);
    assert_eq!(
        value(
            &m,
            "checkout_mercadopago_request_duration_seconds_bucket{endpoint=\"POST /v1/payments\",le=\"+Inf\"}"
        ),
        1.0
    );
    assert!(
        !m.keys().any(|k| k.contains(&payment_id.to_string())),
        "no payment id in a label"
    );
    assert_values(
        &m,
        &[
            ("checkout_webhooks_received_total", 2.0),
            ("checkout_webhooks_refused_total{reason=\"signature\"}", 1.0),
            ("checkout_webhooks_refused_total{reason=\"malformed\"}", 0.0),
            ("checkout_webhook_lag_seconds_count", 1.0),
        ],
    );
    let lag = value(&m, "checkout_webhook_lag_seconds_sum");
    assert!((3.0..60.0).contains(&lag), "lag {lag}");
    assert_eq!(
        value(
            &m,
            "checkout_build_info{version=\"0.1.0\",mode=\"live\",site=\"MLB\"}"
        ),
        1.0
    );
}

#[tokio::test]
async fn the_gauges_come_from_the_database() {
    let app = spawn_app().await;
    app.execute(
        "insert into anomalies (payment_id, kind, detail) values (77, 'unknown_reference', 'test')",
    )
    .await;
    app.execute(
        r#"insert into notifications (dedupe_key, topic, data_id, signed, next_try_at)
           values ('k', 'payment', '77', true, now() + interval '1 hour')"#,
    )
    .await;

    let m = scrape(&app).await;
    assert_values(
        &m,
        &[
            ("checkout_metrics_database_up", 1.0),
            ("checkout_anomalies_open{kind=\"unknown_reference\"}", 1.0),
            ("checkout_anomalies_open{kind=\"amount_mismatch\"}", 0.0),
            ("checkout_notifications_pending", 1.0),
            ("checkout_orders_awaiting_reconciliation", 0.0),
        ],
    );
}

#[tokio::test]
async fn a_database_that_does_not_answer_costs_only_the_gauges() {
    let app = spawn_app().await;
    let db_url = app
        .pool
        .connect_options()
        .get_database()
        .map(|db| format!("{}/{db}", server_url()))
        .unwrap();
    let mut blocker = PgConnection::connect(&db_url).await.unwrap();
    blocker.execute("begin").await.unwrap();
    blocker
        .execute("lock table anomalies in access exclusive mode")
        .await
        .unwrap();

    let started = std::time::Instant::now();
    let m = scrape(&app).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(value(&m, "checkout_metrics_database_up"), 0.0);
    assert!(!m.contains_key("checkout_notifications_pending"));
    assert!(m.contains_key("checkout_webhooks_received_total"));
    blocker.execute("rollback").await.unwrap();
}

#[tokio::test]
async fn with_a_token_only_its_bearer_may_read() {
    let app = spawn_with(Options::default().env("METRICS_TOKEN", TOKEN.to_string())).await;
    let get = |auth: Option<String>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(auth) = auth {
            req = req.header("Authorization", auth);
        }
        req.send()
    };
    let none = get(None).await.unwrap();
    assert_eq!(
        none.status(),
        403,
        "loopback is not enough once a token is set"
    );
    let wrong = get(Some("Bearer metrics-token-0123456789abcdeX".into()))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let right = get(Some(format!("Bearer {TOKEN}"))).await.unwrap();
    assert_eq!(right.status(), 200);
    let text = right.text().await.unwrap();
    assert!(!text.contains(TOKEN));
    parse(&text);
}
