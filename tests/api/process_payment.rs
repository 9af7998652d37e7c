use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Connection;
use wiremock::ResponseTemplate;

use common::{
    approved_after, approved_payment, approving_checkout, browser, card_submission, eventually,
    json_of, payment_creation, payment_response, spawn_app, spawn_with, text_of, Options, TestApp,
};

#[tokio::test]
async fn approved_payment_marks_the_order_paid() {
    let (app, checkout) = approving_checkout().await;

    let (status, body) = json_of(app.pay_card(&checkout).await).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    assert_eq!(body["status_detail"], "accredited");
    assert_eq!(body["order_id"], checkout.order_id);
    assert_eq!(
        body["redirect_url"],
        format!("/orders/{}", checkout.order_id)
    );
    assert!(body["payment_id"].as_i64().is_some());
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
    app.assert_count("select count(*) from payments where status = 'approved'", 1)
        .await;

    let calls = app.payment_calls().await;
    assert_eq!(calls.len(), 1);
    let sent: Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(
        calls[0].headers["authorization"],
        format!("Bearer {}", common::ACCESS_TOKEN)
    );
    assert_eq!(
        sent["transaction_amount"].to_string(),
        "158.80",
        "the order's own amount, exactly"
    );
    assert_eq!(sent["token"], "ff8080814c11e237014c1ff593b57b4d");
    assert_eq!(sent["installments"], 1);
    assert_eq!(sent["payment_method_id"], "master");
    assert_eq!(sent["issuer_id"], "24");
    assert_eq!(sent["payer"]["email"], "test_user_123@testuser.com");
    assert_eq!(
        sent["payer"]["identification"],
        json!({"type": "CPF", "number": "12345678909"})
    );
    assert_eq!(sent["external_reference"], checkout.order_id);
    assert!(
        sent.get("notification_url").is_none(),
        "an http store cannot be notified: the panel's webhook URL serves"
    );
    assert!(sent["description"].as_str().unwrap().len() > 3);

    let page = app.get_html(body["redirect_url"].as_str().unwrap()).await;
    assert!(page.contains("data-status=\"approved\""));
    assert!(page.contains("R$ 158,80"));
    assert!(!page.contains("id=\"try-again\""));
    // The cart was spent.
    assert!(app.page_says("/cart", "Seu carrinho está vazio").await);
}

#[tokio::test]
async fn payment_in_review_leaves_the_order_in_process() {
    let app = spawn_app().await;
    app.mp_answers("in_process", "pending_contingency").await;
    let checkout = app.start_checkout().await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "in_process");
    assert_eq!(
        app.order_status(&checkout.order_id).await,
        "payment_in_process"
    );
    let page = app.order_page(&checkout.order_id).await;
    assert!(page.contains("data-status-detail=\"pending_contingency\""));
    assert!(page.contains("status-waiting"));
}

#[tokio::test]
async fn rejections_tell_what_to_do_and_allow_a_new_attempt() {
    for detail in [
        "cc_rejected_insufficient_amount",
        "cc_rejected_bad_filled_security_code",
        "cc_rejected_call_for_authorize",
    ] {
        let app = spawn_app().await;
        payment_creation(payment_response("rejected", detail))
            .up_to_n_times(1)
            .mount(&app.mp)
            .await;
        let checkout = app.start_checkout().await;
        let (status, body) = json_of(app.pay_card(&checkout).await).await;
        assert_eq!(status, 200, "a declined payment is an answer, not an error");
        assert_eq!(body["status"], "rejected");
        assert_eq!(body["status_detail"], detail);
        assert_eq!(app.order_status(&checkout.order_id).await, "rejected");

        let page = app.order_page(&checkout.order_id).await;
        assert!(page.contains("status-failure"), "{detail}");
        assert!(
            page.contains("id=\"try-again\""),
            "{detail}: a way back to try again"
        );

        // Trying again is a new attempt with a new idempotency key.
        app.mp_answers("approved", "accredited").await;
        let retry = app.open_checkout().await;
        assert_eq!(retry.order_id, checkout.order_id, "same order");
        let mut again = card_submission(&retry.amount);
        again["formData"]["token"] = json!("aa8080814c11e237014c1ff593b57b4d");
        let (status, body) = json_of(app.pay(&retry.csrf, &again).await).await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "approved");
        let calls = app.payment_calls().await;
        assert_eq!(calls.len(), 2);
        let keys: Vec<_> = calls
            .iter()
            .map(|c| c.headers["x-idempotency-key"].to_str().unwrap().to_string())
            .collect();
        assert_eq!(keys[0], format!("checkout-{}-1", checkout.order_id));
        assert_eq!(keys[1], format!("checkout-{}-2", checkout.order_id));
        assert_eq!(app.order_status(&checkout.order_id).await, "paid");
    }
}

#[tokio::test]
async fn tampered_amount_is_refused_and_mercado_pago_never_called() {
    let (app, checkout) = approving_checkout().await;
    assert_eq!(checkout.amount, "158.80");
    for tampered in ["158.81", "158.79", "158.801", "0.01", "15880"] {
        let (status, body) =
            json_of(app.pay(&checkout.csrf, &card_submission(tampered)).await).await;
        assert_eq!(status, 422, "{tampered}: {body}");
        assert_eq!(body["error"], "amount_mismatch");
        assert!(body["message"].as_str().unwrap().contains("R$ 158,80"));
    }
    assert_eq!(
        app.payment_calls().await.len(),
        0,
        "Mercado Pago was never called"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
    assert_eq!(
        app.count("select count(*) from payment_attempts where state = 'refused'")
            .await,
        5,
        "each attempt recorded"
    );
}

#[tokio::test]
async fn same_amount_in_another_notation_is_accepted() {
    let (app, checkout) = approving_checkout().await;
    let (status, _) = json_of(app.pay(&checkout.csrf, &card_submission("1.588e2")).await).await;
    assert_eq!(
        status, 200,
        "158.8 written with an exponent is the same amount"
    );
}

#[tokio::test]
async fn double_submit_replays_the_stored_answer() {
    let (app, checkout) = approving_checkout().await;
    let submission = checkout.card();
    let (_, first) = json_of(app.pay(&checkout.csrf, &submission).await).await;
    let (status, second) = json_of(app.pay(&checkout.csrf, &submission).await).await;
    assert_eq!(status, 200);
    assert_eq!(first, second);
    assert_eq!(app.payment_calls().await.len(), 1);
}

#[tokio::test]
async fn two_concurrent_submits_make_one_call() {
    let app = spawn_app().await;
    app.mp_creates(move |req: &wiremock::Request| {
            // Slow enough that both submits overlap.
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            ResponseTemplate::new(201)
                .set_delay(Duration::from_millis(600))
                .set_body_json(json!({"id": 77, "status": "approved", "status_detail": "accredited",
                    "transaction_amount": body["transaction_amount"], "currency_id": "BRL", "payment_method_id": "master"}))
        }).await;
    let checkout = app.start_checkout().await;
    let submission = checkout.card();
    let (a, b) = tokio::join!(
        app.pay(&checkout.csrf, &submission),
        app.pay(&checkout.csrf, &submission)
    );
    let (sa, a) = json_of(a).await;
    let (sb, b) = json_of(b).await;
    assert_eq!((sa, sb), (200, 200), "{a} {b}");
    assert_eq!(a["payment_id"], 77);
    assert_eq!(b["payment_id"], 77);
    assert_eq!(app.payment_calls().await.len(), 1);
    app.assert_count("select count(*) from payments", 1).await;
}

async fn assert_outcome_unknown(app: &TestApp, order_id: &str, body: &Value, status: u16) {
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "outcome_unknown");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Não pague de novo"));
    assert_eq!(body["redirect_url"], format!("/orders/{order_id}"));
    assert_eq!(app.order_status(order_id).await, "payment_unknown");
    let page = app.get_html(&format!("/orders/{order_id}")).await;
    assert!(
        !page.contains("id=\"try-again\""),
        "no way to pay twice while unknown"
    );
}

#[tokio::test]
async fn a_retried_500_that_succeeds_charges_once() {
    let app = spawn_app().await;
    payment_creation(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&app.mp)
        .await;
    app.mp_answers("approved", "accredited").await;
    let checkout = app.start_checkout().await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 200, "{body}");
    app.assert_count("select count(*) from payments", 1).await;
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}

#[tokio::test]
async fn timeout_leaves_the_outcome_unknown_and_a_resubmit_finds_the_payment() {
    let app = spawn_app().await; // 2 s timeout
    app.mp_creates(approved_after(Duration::from_secs(4))).await;
    let checkout = app.start_checkout().await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_outcome_unknown(&app, &checkout.order_id, &body, status).await;
    let first_key = app.payment_calls().await[0].headers["x-idempotency-key"].clone();

    // Mercado Pago did create it: sent again under the same key, it answers with that payment
    // at once. The result page and a second submit both ask that before anything else.
    payment_creation(approved_payment(555, &checkout.order_id))
        .with_priority(1)
        .mount(&app.mp)
        .await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["payment_id"], 555);
    assert!(
        app.payment_calls()
            .await
            .iter()
            .all(|c| c.headers["x-idempotency-key"] == first_key),
        "no second charge: only the same attempt again"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}

#[tokio::test]
async fn malformed_and_missing_fields_are_400_with_a_message_and_change_nothing() {
    let (app, checkout) = approving_checkout().await;
    let good = checkout.card();
    let mut cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "malformed_request"),
        ("[]".into(), "malformed_request"),
        ("".into(), "malformed_request"),
        (
            json!({"formData": good["formData"]}).to_string(),
            "invalid_payment_data",
        ),
        (
            json!({"selectedPaymentMethod": "credit_card"}).to_string(),
            "invalid_payment_data",
        ),
    ];
    for (pointer, value, code) in [
        ("/formData/token", json!(null), "invalid_payment_data"),
        ("/formData/installments", json!("one"), "malformed_request"),
        ("/formData/installments", json!(0), "invalid_payment_data"),
        ("/formData/installments", json!(13), "invalid_payment_data"),
        (
            "/formData/transaction_amount",
            json!("158.80"),
            "malformed_request",
        ),
        (
            "/formData/transaction_amount",
            json!(null),
            "invalid_payment_data",
        ),
        (
            "/formData/payer/email",
            json!("not-an-email"),
            "invalid_payment_data",
        ),
        ("/formData/payer", json!(null), "invalid_payment_data"),
        (
            "/formData/payment_method_id",
            json!(42),
            "malformed_request",
        ),
        (
            "/selectedPaymentMethod",
            json!("ticket"),
            "invalid_payment_data",
        ),
    ] {
        let mut v = good.clone();
        *v.pointer_mut(pointer).unwrap() = value;
        cases.push((v.to_string(), code));
    }
    for (body, code) in cases {
        let (status, answer) = json_of(app.pay_raw(&checkout.csrf, &body).await).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], code, "{body}");
        assert!(
            answer["message"].as_str().unwrap().len() > 10,
            "a message a person understands"
        );
    }
    let res = app
        .client
        .post(app.url("/process_payment"))
        .header("X-CSRF-Token", &checkout.csrf)
        .header("Content-Type", "text/plain")
        .body(good.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(app.payment_calls().await.len(), 0);
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
    app.assert_count("select count(*) from payment_attempts", 0)
        .await;
}

#[tokio::test]
async fn another_sessions_order_is_not_there() {
    let (app, checkout) = approving_checkout().await;
    app.pay_card(&checkout).await;

    let stranger = browser();
    let res = stranger
        .get(app.url(&format!("/orders/{}", checkout.order_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A stranger with a session of their own and no order cannot pay anything.
    let html = text_of(&stranger, app.url("/")).await;
    let csrf = common::csrf_of(&html);
    let res = stranger
        .post(app.url("/process_payment"))
        .header("X-CSRF-Token", csrf)
        .json(&checkout.card())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "order_not_found");
    assert_eq!(app.payment_calls().await.len(), 1);
}

#[tokio::test]
async fn missing_csrf_token_is_refused() {
    let (app, checkout) = approving_checkout().await;
    let (status, body) = json_of(app.pay("forged", &checkout.card()).await).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "forbidden");
    assert_eq!(app.payment_calls().await.len(), 0);
}

#[tokio::test]
async fn database_outage_is_503_and_charges_nothing() {
    let (app, checkout) = approving_checkout().await;
    // One connection of our own stays open to switch the database off and on again.
    let db = app.text("select current_database()").await;
    let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", common::server_url()))
        .await
        .unwrap();
    sqlx::query(&format!(r#"alter database "{db}" allow_connections false"#))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
        .bind(&db)
        .execute(&mut admin)
        .await
        .unwrap();
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 503, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("nada foi cobrado"));
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.payment_calls().await.len(), 0);
    sqlx::query(&format!(r#"alter database "{db}" allow_connections true"#))
        .execute(&mut admin)
        .await
        .unwrap();
    // Each pooled connection the outage broke fails once, then is replaced.
    let mut tries = 0;
    while app.get("/readyz").await.status() != 200 {
        tries += 1;
        assert!(tries < 5, "the store recovers once the database is back");
    }
}

/// A Mercado Pago that hangs must not grow an unbounded queue of shoppers: past the queue's
/// wait, a payment is not sent at all, the shopper is told to try again, and nothing is made.
#[tokio::test]
async fn a_payment_that_waits_too_long_for_its_turn_is_not_sent_and_can_be_retried() {
    let mut app = spawn_with(
        Options::default()
            .timeout_secs(10)
            .env("MP_MAX_CONCURRENT_CALLS", "1")
            .env("MP_QUEUE_WAIT_SECS", "1"),
    )
    .await;
    app.mp_creates(approved_after(Duration::from_secs(3))).await;
    let first = app.start_checkout().await;
    let slow = app
        .client
        .post(app.url("/process_payment"))
        .header("X-CSRF-Token", &first.csrf)
        .json(&first.card())
        .send();
    let slow = tokio::spawn(slow);
    eventually(
        "the first call is under way",
        Duration::from_secs(5),
        || {
            let app = &app;
            async move { !app.payment_calls().await.is_empty() }
        },
    )
    .await;

    app.client = common::browser();
    let second = app.start_checkout().await;
    let res = app.pay_card(&second).await;
    assert_eq!(res.headers()["retry-after"], "5");
    let (status, body) = json_of(res).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "provider_busy");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("nada foi cobrado"));
    assert_eq!(
        app.payment_calls().await.len(),
        1,
        "the second was never sent"
    );
    assert_eq!(
        app.order_status(&second.order_id).await,
        "created",
        "as before it"
    );

    let (status, _) = json_of(slow.await.unwrap().unwrap()).await;
    assert_eq!(status, 200);
    let (status, body) = json_of(app.pay_card(&second).await).await;
    assert_eq!(
        status, 200,
        "a retry once the queue moves is charged: {body}"
    );
    assert_eq!(app.payment_calls().await.len(), 2);
    app.assert_count("select count(*) from payments", 2).await;
}

/// An app whose payment door has one place, taken by a first shopper's payment that Mercado
/// Pago answers after `answer_after`; the second shopper, with a checkout of their own, is the
/// app's client.
async fn one_place_taken(
    wait_secs: u64,
    answer_after: Duration,
) -> (
    TestApp,
    common::Checkout,
    tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) {
    let mut app = spawn_with(
        Options::default()
            .timeout_secs(20)
            .env("PAYMENT_MAX_IN_PROGRESS", "1")
            .env("PAYMENT_QUEUE_WAIT_SECS", wait_secs.to_string()),
    )
    .await;
    app.mp_creates(approved_after(answer_after)).await;
    let first = app.start_checkout().await;
    let first_client = app.client.clone();
    app.client = common::browser();
    let second = app.start_checkout().await;
    let slow = tokio::spawn(
        first_client
            .post(app.url("/process_payment"))
            .header("X-CSRF-Token", &first.csrf)
            .json(&first.card())
            .send(),
    );
    eventually(
        "the first payment is past the door",
        Duration::from_secs(5),
        || {
            let app = &app;
            async move { !app.payment_calls().await.is_empty() }
        },
    )
    .await;
    (app, second, slow)
}

/// The payment door: with every place past it taken for the whole wait, a payment is turned
/// away before anything is done for it (no attempt, no call), and the shopper is told that
/// nothing was charged and to try again.
#[tokio::test]
async fn a_payment_left_at_a_full_door_for_the_whole_wait_is_turned_away_untouched() {
    let (app, second, slow) = one_place_taken(1, Duration::from_secs(8)).await;
    let res = app.pay_card(&second).await;
    assert_eq!(res.headers()["retry-after"], "5");
    let (status, body) = json_of(res).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "store_busy");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("nada foi cobrado"));
    assert_eq!(app.payment_calls().await.len(), 1, "never sent");
    app.assert_count(
        &format!(
            "select count(*) from payment_attempts where order_id = '{}'",
            second.order_id
        ),
        0,
    )
    .await;
    assert_eq!(app.order_status(&second.order_id).await, "created");

    let (status, _) = json_of(slow.await.unwrap().unwrap()).await;
    assert_eq!(status, 200);
    let (status, body) = json_of(app.pay_card(&second).await).await;
    assert_eq!(status, 200, "a retry once the door is free pays: {body}");
    assert_eq!(app.payment_calls().await.len(), 2);
}

/// Within the wait, a payment at a full door is not refused: it waits its turn, and its
/// attempt begins only after the payment ahead of it was answered and recorded.
#[tokio::test]
async fn a_payment_at_a_full_door_waits_its_turn_and_is_paid() {
    let (app, second, slow) = one_place_taken(30, Duration::from_secs(2)).await;
    let (status, body) = json_of(app.pay_card(&second).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    let (status, _) = json_of(slow.await.unwrap().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(app.payment_calls().await.len(), 2);
    app.assert_count(
        &format!(
            "select count(*) from payment_attempts second, payments first
             where second.order_id = '{}' and first.order_id <> second.order_id
               and second.created_at >= first.created_at",
            second.order_id
        ),
        1,
    )
    .await;
}

/// The door guards the route the router matches, whatever the spelling on the wire.
#[tokio::test]
async fn a_percent_encoded_path_meets_the_same_door() {
    let (app, second, slow) = one_place_taken(1, Duration::from_secs(8)).await;
    let res = app
        .client
        .post(app.url("/process%5Fpayment"))
        .header("X-CSRF-Token", &second.csrf)
        .json(&second.card())
        .send()
        .await
        .unwrap();
    let (status, body) = json_of(res).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "store_busy");
    assert_eq!(app.payment_calls().await.len(), 1);
    let _ = slow.await;
}
