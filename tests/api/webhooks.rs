use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use common::{now_ms, spawn_app, Checkout, TestApp, APPROVED, WEBHOOK_SECRET};

/// The amount and reference a payment for this checkout carries.
fn of(checkout: &Checkout) -> (&str, &str) {
    (&checkout.amount, &checkout.order_id)
}

/// Mercado Pago will answer GET /v1/payments/{id} with this payment from now on.
async fn mp_has(
    app: &TestApp,
    id: i64,
    (status, detail): (&str, &str),
    (amount, order_id): (&str, &str),
) {
    app.mp.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/payments/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": id, "status": status, "status_detail": detail,
            "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
            "currency_id": "BRL", "payment_method_id": "pix", "payment_type_id": "bank_transfer",
            "external_reference": order_id})))
        .mount(&app.mp)
        .await;
}

#[tokio::test]
async fn a_signed_notification_makes_the_order_paid_from_the_payment_it_re_reads() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 901, APPROVED, of(&checkout)).await;
    let res = app
        .notify_with(901, WEBHOOK_SECRET, now_ms(), "req-1")
        .await;
    assert_eq!(res.status(), 200);
    app.wait_for_status(&checkout.order_id, "paid").await;
    let source = app
        .text("select source from order_history order by id desc limit 1")
        .await;
    assert_eq!(source, "webhook");
}

#[tokio::test]
async fn the_same_notification_five_times_at_once_changes_the_order_once() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 902, APPROVED, of(&checkout)).await;
    let ts = now_ms();
    let sends = (0..5).map(|_| app.notify_with(902, WEBHOOK_SECRET, ts, "req-same"));
    let mut answers = Vec::new();
    for res in futures_util::future::join_all(sends).await {
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        answers.push(body["status"].as_str().unwrap().to_string());
    }
    answers.sort();
    // Kept once, whether the five share one insert or not; the others are replays.
    assert_eq!(
        answers,
        [
            "accepted",
            "duplicate",
            "duplicate",
            "duplicate",
            "duplicate"
        ]
    );
    app.wait_for_status(&checkout.order_id, "paid").await;
    app.notifications_processed().await;
    app.assert_count("select count(*) from notifications", 1)
        .await;
    assert_eq!(app.moves_to("paid").await, 1);
}

#[tokio::test]
async fn twenty_notifications_at_once_are_each_kept_and_each_processed() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 904, APPROVED, of(&checkout)).await;
    let ts = now_ms();
    let ids: Vec<String> = (0..20).map(|i| format!("req-{i}")).collect();
    let sends = ids
        .iter()
        .map(|id| app.notify_with(904, WEBHOOK_SECRET, ts, id));
    for res in futures_util::future::join_all(sends).await {
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "accepted");
    }
    app.wait_for_status(&checkout.order_id, "paid").await;
    app.notifications_processed().await;
    app.assert_count(
        "select count(*) from notifications where outcome is not null and last_error is null",
        20,
    )
    .await;
    assert_eq!(app.moves_to("paid").await, 1);
}

#[tokio::test]
async fn a_notification_that_cannot_be_kept_is_not_acknowledged_and_its_redelivery_is() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 905, APPROVED, of(&checkout)).await;
    app.execute("alter table notifications rename to notifications_away")
        .await;
    let ts = now_ms();
    let res = app.notify_with(905, WEBHOOK_SECRET, ts, "req-lost").await;
    assert_eq!(res.status(), 503, "Mercado Pago must deliver it again");
    app.assert_count("select count(*) from notifications_away", 0)
        .await;
    app.execute("alter table notifications_away rename to notifications")
        .await;

    let res = app.notify_with(905, WEBHOOK_SECRET, ts, "req-lost").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "accepted");
    app.wait_for_status(&checkout.order_id, "paid").await;
    app.notifications_processed().await;
    app.assert_count("select count(*) from notifications", 1)
        .await;
}

#[tokio::test]
async fn a_notification_that_fails_its_insert_does_not_fail_the_others_kept_with_it() {
    use sqlx::{Connection, Executor, PgConnection};
    use std::time::Duration;
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 906, APPROVED, of(&checkout)).await;
    app.execute(
        "alter table notifications add constraint no_poison check (request_id <> 'req-poison')",
    )
    .await;
    // Inserts wait behind this lock: the first notification holds the writer, and those that
    // come meanwhile queue for one shared insert.
    let db = app
        .pool
        .connect_options()
        .get_database()
        .unwrap()
        .to_string();
    let mut blocker = PgConnection::connect(&format!("{}/{db}", common::server_url()))
        .await
        .unwrap();
    blocker.execute("begin").await.unwrap();
    blocker
        .execute("lock table notifications in share mode")
        .await
        .unwrap();
    let ts = now_ms();
    let first = app.notify_with(906, WEBHOOK_SECRET, ts, "req-first");
    let together = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ids = ["req-a", "req-b", "req-poison", "req-c", "req-d", "req-e"];
        let sends = ids.map(|id| app.notify_with(906, WEBHOOK_SECRET, ts, id));
        futures_util::future::join_all(sends).await
    };
    let release = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        blocker.execute("rollback").await.unwrap();
    };
    let (first, together, ()) = tokio::join!(first, together, release);
    assert_eq!(first.status(), 200);
    let statuses: Vec<u16> = together.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses, [200, 200, 503, 200, 200, 200]);
    app.notifications_processed().await;
    app.assert_count("select count(*) from notifications", 6)
        .await;
    app.wait_for_status(&checkout.order_id, "paid").await;
}

#[tokio::test]
async fn approved_after_refunded_leaves_the_order_refunded() {
    let app = spawn_app().await;
    app.mp_answers("approved", "accredited").await;
    let checkout = app.start_checkout().await;
    let paid: Value = app.pay_card(&checkout).await.json().await.unwrap();
    let id = paid["payment_id"].as_i64().unwrap();
    mp_has(&app, id, ("refunded", "refunded"), of(&checkout)).await;
    app.notify_with(id, WEBHOOK_SECRET, now_ms(), "req-refund")
        .await;
    app.wait_for_status(&checkout.order_id, "refunded").await;

    mp_has(&app, id, APPROVED, of(&checkout)).await;
    assert_eq!(
        app.notify_with(id, WEBHOOK_SECRET, now_ms(), "req-late")
            .await
            .status(),
        200
    );
    app.notifications_processed().await;
    assert_eq!(app.order_status(&checkout.order_id).await, "refunded");
    let page = app.order_page(&checkout.order_id).await;
    assert!(page.contains("devolvido"), "the page says refunded");
}

#[tokio::test]
async fn bad_signatures_get_401_and_change_nothing() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 903, APPROVED, of(&checkout)).await;
    let ts = now_ms();
    let forged = app
        .client
        .post(app.url("/webhooks/mercadopago?data.id=903&type=payment"))
        .header("x-signature", format!("ts={ts},v1={}", "ab".repeat(32)))
        .header("x-request-id", "req-x")
        .send()
        .await
        .unwrap();
    let wrong_secret = app.notify_with(903, "not-the-secret", ts, "req-y").await;
    let missing = app
        .client
        .post(app.url("/webhooks/mercadopago?data.id=903&type=payment"))
        .header("x-request-id", "req-w")
        .send()
        .await
        .unwrap();
    for res in [forged, wrong_secret, missing] {
        assert_eq!(res.status(), 401);
    }
    // No wait: a 401 is answered before anything is recorded or queued, so the answers
    // themselves mark the end of the store's work.
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
    app.assert_count("select count(*) from notifications", 0)
        .await;
    // The store's own start-up read of the document types is not about any payment.
    let reads = app
        .mp
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() != "/v1/identification_types")
        .count();
    assert_eq!(reads, 0, "a refused notification does not even make us ask");
}

#[tokio::test]
async fn an_underpaid_approval_flags_the_order_instead_of_paying_it() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 904, APPROVED, ("1.00", &checkout.order_id)).await;
    app.notify_with(904, WEBHOOK_SECRET, now_ms(), "req-under")
        .await;
    app.wait_for_anomaly("amount_mismatch").await;
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
}

#[tokio::test]
async fn a_payment_for_no_order_of_ours_is_flagged() {
    let app = spawn_app().await;
    mp_has(&app, 905, APPROVED, ("10.00", "someone-elses-reference")).await;
    app.notify_with(905, WEBHOOK_SECRET, now_ms(), "req-unknown")
        .await;
    app.wait_for_anomaly("unknown_reference").await;
}

#[tokio::test]
async fn a_legacy_ipn_is_only_a_hint_to_re_read() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    mp_has(&app, 906, APPROVED, of(&checkout)).await;
    let res = app
        .client
        .post(app.url("/webhooks/mercadopago?topic=payment&id=906"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.wait_for_status(&checkout.order_id, "paid").await;
}
