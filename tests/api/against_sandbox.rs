//! The card checkout against the emulator the store mounts in sandbox mode, instead of a
//! mock: the same guarantees must hold when the outcome comes from a test cardholder name.

use serde_json::Value;

use common::{spawn_with, with_token, Options, TestApp};

async fn sandbox_store(delay_ms: u64) -> TestApp {
    spawn_with(Options {
        sandbox: true,
        sandbox_delay_ms: delay_ms,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn each_cardholder_outcome_reaches_the_order_and_its_page() {
    for (name, status, order_status, words) in [
        ("APRO", "approved", "paid", "Pagamento aprovado"),
        (
            "CONT",
            "in_process",
            "payment_in_process",
            "Estamos processando",
        ),
        ("FUND", "rejected", "rejected", "limite suficiente"),
        ("SECU", "rejected", "rejected", "código de segurança"),
        ("CALL", "rejected", "rejected", "autorizar"),
    ] {
        let app = sandbox_store(0).await;
        let checkout = app.start_checkout().await;
        let token = app.sandbox_token(name).await;
        let res = app
            .pay(&checkout.csrf, &with_token(&checkout.amount, &token))
            .await;
        assert_eq!(res.status(), 200, "{name}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], status, "{name}");
        assert_eq!(
            app.order_status(&checkout.order_id).await,
            order_status,
            "{name}"
        );
        let page = app.get_html(body["redirect_url"].as_str().unwrap()).await;
        assert!(page.contains(words), "{name}: {page}");
        let posts = app.sandbox_payment_posts().await;
        assert_eq!(posts.len(), 1);
        assert_eq!(
            posts[0]["idempotency_key"],
            format!("checkout-{}-1", checkout.order_id)
        );
        assert_eq!(posts[0]["body"]["transaction_amount"].to_string(), "158.80");
    }
}

#[tokio::test]
async fn a_tampered_amount_never_reaches_the_emulator() {
    let app = sandbox_store(0).await;
    let checkout = app.start_checkout().await;
    for tampered in ["158.81", "158.79"] {
        let token = app.sandbox_token("APRO").await;
        let res = app.pay(&checkout.csrf, &with_token(tampered, &token)).await;
        assert_eq!(res.status(), 422);
    }
    assert!(app.sandbox_payment_posts().await.is_empty());
}

#[tokio::test]
async fn double_and_concurrent_submits_charge_once() {
    let app = sandbox_store(500).await;
    let checkout = app.start_checkout().await;
    let token = app.sandbox_token("APRO").await;
    let submission = with_token(&checkout.amount, &token);
    let (a, b) = tokio::join!(
        app.pay(&checkout.csrf, &submission),
        app.pay(&checkout.csrf, &submission)
    );
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["payment_id"], b["payment_id"], "{a} {b}");
    let again: Value = app
        .pay(&checkout.csrf, &submission)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["payment_id"], a["payment_id"]);
    assert_eq!(app.sandbox_payment_posts().await.len(), 1);
    app.assert_count("select count(*) from payments", 1).await;
}

/// The checkout records its own answer on what its claim left (the order waiting on this
/// attempt, the payment unknown), with no read first. Here the emulator makes the payment and
/// notifies at once but answers 1.5 s later, so the webhook (re-read after 100 ms) pays the
/// order first: the answer's first write must find that out and record nothing twice.
#[tokio::test]
async fn an_answer_that_comes_after_its_webhook_paid_the_order_is_recorded_once() {
    let app = sandbox_store(1500).await;
    let checkout = app.start_checkout().await;
    let token = app.sandbox_token("APRO").await;
    let res = app
        .pay(&checkout.csrf, &with_token(&checkout.amount, &token))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "approved");
    let order = &checkout.order_id;
    // The premise: the webhook, not the answer, moved the order.
    app.assert_count(
        &format!(
            "select count(*) from order_history
             where order_id = '{order}' and to_status = 'paid' and source = 'webhook'"
        ),
        1,
    )
    .await;
    app.sandbox_webhooks_done().await;
    assert_eq!(app.order_status(order).await, "paid");
    app.assert_count("select count(*) from payments", 1).await;
    app.assert_count(
        &format!(
            "select count(*) from order_history where order_id = '{order}' and to_status = 'paid'"
        ),
        1,
    )
    .await;
    app.assert_count(
        &format!(
            "select count(*) from payment_attempts
             where order_id = '{order}' and state = 'completed' and payment_id = {}",
            body["payment_id"]
        ),
        1,
    )
    .await;
    app.assert_count("select count(*) from anomalies", 0).await;
    // The mail worker queues the order's mails from its history.
    checkout::db::outbox::derive(&app.pool, 100).await.unwrap();
    app.assert_count("select count(*) from outbox where kind = 'confirmation'", 1)
        .await;
    let page = app.get_html(body["redirect_url"].as_str().unwrap()).await;
    assert!(page.contains("Pagamento aprovado"), "{page}");
}
