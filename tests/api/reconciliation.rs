use std::time::Duration;

use common::{
    approved_after, approved_payment, eventually, payment_creation, server_url, spawn_with, Options,
};

#[tokio::test]
async fn a_timed_out_checkout_is_settled_by_reconciliation_alone() {
    let app = spawn_with(Options::default().reconcile_secs(1)).await;
    // Mercado Pago creates the payment but answers after our 2 s timeout.
    app.mp_creates(approved_after(Duration::from_secs(4))).await;
    let checkout = app.start_checkout().await;
    let res = app.pay_card(&checkout).await;
    assert_eq!(res.status(), 502);
    // Sent again under the same key, Mercado Pago answers with the payment it made.
    payment_creation(approved_payment(4242, &checkout.order_id))
        .with_priority(1)
        .mount(&app.mp)
        .await;
    // No shopper action from here on.
    app.wait_for_status(&checkout.order_id, "paid").await;
    app.assert_count("select count(*) from payments", 1).await;
    let calls = app.payment_calls().await;
    let key = &calls[0].headers["x-idempotency-key"];
    assert!(
        calls.iter().all(|c| c.headers["x-idempotency-key"] == key),
        "exactly one payment was ever asked for, under one key"
    );
    let source = app
        .text("select source from order_history where to_status = 'paid'")
        .await;
    assert_eq!(source, "reconciliation");
}

#[tokio::test]
async fn two_instances_never_take_the_same_order() {
    let app = spawn_with(Options::default()).await;
    // The store's own worker makes a pass as it starts (a restarted store checks at once) and
    // must not take the orders below: its sweep, which comes after the pass, leaves a row.
    eventually(
        "the store's first reconciliation pass is over",
        Duration::from_secs(10),
        || async { app.count("select count(*) from sweeps").await == 1 },
    )
    .await;
    // Twenty undecided orders, as if twenty checkouts timed out.
    for _ in 0..20 {
        app.execute("insert into orders (id, shopper_id, site, currency, total_minor, status, cart_fingerprint)
             values (gen_random_uuid(), gen_random_uuid(), 'MLB', 'BRL', 100, 'payment_unknown', 'x')").await;
    }
    let db = app.text("select current_database()").await;
    let url = format!("{}/{db}", server_url());
    let a = sqlx::PgPool::connect(&url).await.unwrap();
    let b = sqlx::PgPool::connect(&url).await.unwrap();
    let (ta, tb) = tokio::join!(
        checkout::reconcile::worker::claim_due(&a, 15, Duration::from_secs(30)),
        checkout::reconcile::worker::claim_due(&b, 15, Duration::from_secs(30))
    );
    let (ta, tb) = (ta.unwrap(), tb.unwrap());
    assert_eq!(ta.len() + tb.len(), 20, "all taken, none twice");
    assert!(ta
        .iter()
        .all(|(id, _)| tb.iter().all(|(other, _)| other != id)));
    let again = checkout::reconcile::worker::claim_due(&a, 50, Duration::from_secs(30))
        .await
        .unwrap();
    assert!(again.is_empty(), "a taken order waits for its next check");
}

#[tokio::test]
async fn a_notified_payment_mercado_pago_never_knows_is_given_up_after_a_day_and_flagged() {
    let app = spawn_with(Options::default().reconcile_secs(1)).await;
    // No mock for GET /v1/payments/{id}: Mercado Pago answers 404, as for the panel's
    // "Simulate" button.
    let status = app
        .notify_signed(777_000_111, common::now_ms(), "simulated-1")
        .await;
    assert_eq!(status, 200);
    let pending = "select count(*) from notifications where processed_at is null";
    common::eventually(
        "the first re-read fails and leaves it pending",
        Duration::from_secs(5),
        || async {
            app.count("select count(*) from notifications where last_error is not null")
                .await
                == 1
        },
    )
    .await;
    assert_eq!(
        app.count(pending).await,
        1,
        "a fresh 404 is retried, not dropped"
    );
    app.assert_count("select count(*) from anomalies", 0).await;

    // A day later it is still unknown: given up, and the merchant is told once.
    app.execute(
        "update notifications set received_at = now() - interval '25 hours', next_try_at = now()",
    )
    .await;
    common::eventually(
        "the worker gives it up",
        Duration::from_secs(10),
        || async { app.count(pending).await == 0 },
    )
    .await;
    let outcome = app.text("select outcome from notifications").await;
    assert_eq!(outcome, "payment not found");
    app.assert_count("select count(*) from anomalies where payment_id = 777000111 and kind = 'unknown_reference' and resolved_at is null", 1).await;
}
