//! Issue 5 against the emulator: the truth about a payment after the checkout's answer.

use serde_json::{json, Value};

use common::{now_ms, spawn_with, Options, TestApp};

async fn store(options: Options) -> TestApp {
    spawn_with(options.sandbox()).await
}

async fn pix(app: &TestApp) -> (String, i64) {
    let checkout = app.start_checkout().await;
    let body = json!({"selectedPaymentMethod": "bank_transfer", "formData": {"payment_method_id": "pix",
        "transaction_amount": checkout.amount.parse::<serde_json::Number>().unwrap(), "payer": {"email": "p@example.com"}}});
    let answer: Value = app.pay(&checkout.csrf, &body).await.json().await.unwrap();
    assert_eq!(answer["status"], "pending");
    (checkout.order_id, answer["payment_id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_pending_pix_approved_in_the_sandbox_is_paid_through_the_webhook_alone() {
    let app = store(Options::default()).await; // reconciliation effectively off
    let (order, payment) = pix(&app).await;
    app.sandbox_payment_action(payment, "approve").await;
    app.wait_for_count(
        &format!("select count(*) from orders where id = '{order}' and status = 'paid'"),
        1,
    )
    .await;
    app.assert_count(
        "select count(*) from order_history where to_status = 'paid' and source = 'webhook'",
        1,
    )
    .await;
}

#[tokio::test]
async fn five_concurrent_deliveries_of_one_notification_change_the_order_once() {
    let app = store(Options::default()).await;
    let (order, payment) = pix(&app).await;
    app.sandbox_payment_action(payment, "approve").await;
    let sends = (0..5).map(|_| app.notify_signed(payment, now_ms(), "same-request"));
    for status in futures_util::future::join_all(sends).await {
        assert_eq!(status, 200);
    }
    app.wait_for_count(
        &format!("select count(*) from orders where id = '{order}' and status = 'paid'"),
        1,
    )
    .await;
    app.sandbox_webhooks_done().await;
    assert_eq!(app.moves_to("paid").await, 1);
}

#[tokio::test]
async fn a_refund_in_mercado_pago_reaches_the_order_and_a_late_approval_does_not_undo_it() {
    let app = store(Options::default()).await;
    let checkout = app.start_checkout().await;
    let card = app.sandbox_card(&checkout.amount, "APRO").await;
    let answer: Value = app.pay(&checkout.csrf, &card).await.json().await.unwrap();
    let payment = answer["payment_id"].as_i64().unwrap();
    // A refund made in Mercado Pago's panel.
    let res = app
        .client
        .post(app.url(&format!("/sandbox/mp/v1/payments/{payment}/refunds")))
        .bearer_auth("TEST-panel")
        .header("X-Idempotency-Key", "panel-refund")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let refunded = format!(
        "select count(*) from orders where id = '{}' and status = 'refunded'",
        checkout.order_id
    );
    app.wait_for_count(&refunded, 1).await;
    // The old "payment.created" notification arrives late.
    assert_eq!(
        app.notify_signed(payment, now_ms(), "late-created").await,
        200
    );
    app.sandbox_webhooks_done().await;
    app.assert_count(&refunded, 1).await;
    let page = app.order_page(&checkout.order_id).await;
    assert!(
        page.contains("Pagamento devolvido"),
        "the result page says refunded"
    );
}

#[tokio::test]
async fn an_approved_payment_of_a_smaller_amount_never_pays_the_order() {
    let app = store(Options::default()).await;
    let checkout = app.start_checkout().await;
    // Someone pays 1.00 with our order's reference, straight at Mercado Pago.
    let token = app.sandbox_token("APRO").await;
    let res = app
        .client
        .post(app.url("/sandbox/mp/v1/payments"))
        .bearer_auth("TEST-someone")
        .json(&json!({"transaction_amount": 1.0, "token": token, "installments": 1, "payment_method_id": "visa",
                      "external_reference": checkout.order_id, "payer": {"email": "x@example.com"},
                      "notification_url": app.url("/webhooks/mercadopago")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    app.wait_for_anomaly("amount_mismatch").await;
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
}

#[tokio::test]
async fn a_checkout_that_timed_out_after_the_payment_was_made_ends_right_through_reconciliation() {
    let app = store(Options {
        timeout_secs: 1,
        sandbox_delay_ms: 2500,
        reconcile_secs: 1,
        ..Options::default()
    })
    .await;
    let checkout = app.start_checkout().await;
    let card = app.sandbox_card(&checkout.amount, "APRO").await;
    let res = app.pay(&checkout.csrf, &card).await;
    assert_eq!(res.status(), 502, "the answer came too late");
    let paid = format!(
        "select count(*) from orders where id = '{}' and status = 'paid'",
        checkout.order_id
    );
    app.wait_for_count(&paid, 1).await;
    app.assert_count("select count(*) from payments", 1).await;
    let keys: std::collections::HashSet<String> = app
        .sandbox_payment_posts()
        .await
        .iter()
        .map(|p| p["idempotency_key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "one attempt, sent again only under its own key"
    );
}

/// The checkout records Mercado Pago's answer without waiting for the disk (`Commit::Lazy`),
/// so a database crash can lose that write after the shopper saw it. What it leaves is what
/// the claim made durable: the order `processing`, its attempt in flight, no payment. The
/// payment's next notification must finish the order from Mercado Pago's word alone.
#[tokio::test]
async fn an_answer_a_database_crash_lost_is_recovered_from_mercado_pagos_notification() {
    let app = store(Options::default()).await; // reconciliation effectively off
    let checkout = app.start_checkout().await;
    let card = app.sandbox_card(&checkout.amount, "APRO").await;
    let answer: Value = app.pay(&checkout.csrf, &card).await.json().await.unwrap();
    let payment = answer["payment_id"].as_i64().unwrap();
    app.sandbox_webhooks_done().await;
    app.wait_for_count(
        "select count(*) from notifications where processed_at is null",
        0,
    )
    .await;

    // The state the lost commit leaves behind.
    let order = &checkout.order_id;
    for sql in [
        format!("delete from order_history where order_id = '{order}' and to_status = 'paid'"),
        format!(
            "update payment_attempts set state = 'in_flight', payment_id = null
             where order_id = '{order}'"
        ),
        format!("update orders set status = 'processing', payment_id = null where id = '{order}'"),
        format!("delete from payments where id = {payment}"),
    ] {
        sqlx::query(&sql).execute(&app.pool).await.unwrap();
    }

    assert_eq!(
        app.notify_signed(payment, now_ms(), "after-the-crash")
            .await,
        200
    );
    let paid = format!("select count(*) from orders where id = '{order}' and status = 'paid'");
    app.wait_for_count(&paid, 1).await;
    app.assert_count(
        &format!(
            "select count(*) from payment_attempts
             where order_id = '{order}' and state = 'completed' and payment_id = {payment}"
        ),
        1,
    )
    .await;
    app.assert_count("select count(*) from payments", 1).await;
    app.assert_count(
        "select count(*) from order_history where to_status = 'paid' and source = 'webhook'",
        1,
    )
    .await;
    assert_eq!(
        app.sandbox_payment_posts().await.len(),
        1,
        "no second call to Mercado Pago"
    );
}
