//! Issue 11: one test per hole a hostile Mercado Pago finds (holes 1-13). Each states what
//! the store must do once the hole is closed; before the fixes, each fails.
//! Hole 2's unit-level check of the derived timings is in `holes_timings.rs`, hole 11's
//! hand-made server in `holes_transport.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use common::{
    browser, eventually, holds_within, idempotency_key, next_payment_id, now_ms, payment_creation,
    payment_response, send_json, spawn_with, Checkout, Options, TestApp, APPROVED,
};

fn key(order_id: &str, attempt: i32) -> String {
    format!("checkout-{order_id}-{attempt}")
}

async fn error_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["error"].as_str().unwrap_or("").to_string())
}

/// `GET /v1/payments/{id}` answers `payment` from now on (over any earlier answer).
async fn mp_shows(app: &TestApp, payment: Value, priority: u8) {
    let id = payment["id"].as_i64().unwrap();
    Mock::given(method("GET"))
        .and(path(format!("/v1/payments/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(payment))
        .with_priority(priority)
        .mount(&app.mp)
        .await;
}

/// Mercado Pago's 500.
fn internal_error() -> ResponseTemplate {
    ResponseTemplate::new(500).set_body_json(json!({"message": "internal_error"}))
}

async fn status_is(app: &TestApp, order_id: &str, want: &str) -> bool {
    app.order_status(order_id).await == want
}

/// Attempt 1 declined (payment `p1`, metadata.attempt 1); attempt 2's answer comes after our
/// 2 s timeout. Mercado Pago's search shows only `p1` (attempt 2's payment is not indexed yet).
/// `late_then_prompt`: a re-send of attempt 2's key is answered at once with `p2` approved.
async fn declined_then_timed_out(app: &TestApp, late_then_prompt: bool) -> (Checkout, i64, i64) {
    let checkout = app.start_checkout().await;
    let order = checkout.order_id.clone();
    let (p1, p2) = (next_payment_id(), next_payment_id());
    let rejected = checkout.payment(
        p1,
        ("rejected", "cc_rejected_insufficient_amount"),
        "master",
        Some(1),
    );
    let approved = checkout.payment(p2, APPROVED, "master", Some(2));
    Mock::given(method("POST"))
        .and(path("/v1/payments"))
        .and(header("X-Idempotency-Key", key(&order, 1).as_str()))
        .respond_with(ResponseTemplate::new(201).set_body_json(rejected.clone()))
        .with_priority(1)
        .mount(&app.mp)
        .await;
    let late = Mock::given(method("POST"))
        .and(path("/v1/payments"))
        .and(header("X-Idempotency-Key", key(&order, 2).as_str()))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(approved.clone())
                .set_delay(Duration::from_secs(4)),
        )
        .with_priority(1);
    if late_then_prompt {
        late.up_to_n_times(1).mount(&app.mp).await;
        Mock::given(method("POST"))
            .and(path("/v1/payments"))
            .and(header("X-Idempotency-Key", key(&order, 2).as_str()))
            .respond_with(ResponseTemplate::new(201).set_body_json(approved.clone()))
            .with_priority(2)
            .mount(&app.mp)
            .await;
    } else {
        late.mount(&app.mp).await;
    }
    // Any other attempt is declined, with a payment of its own.
    payment_creation(payment_response("rejected", "cc_rejected_other_reason"))
        .with_priority(10)
        .mount(&app.mp)
        .await;
    app.mp_search_finds(vec![rejected.clone()]).await;
    mp_shows(app, rejected, 5).await;
    mp_shows(app, approved, 5).await;

    let card = checkout.card();
    let first: Value = app.pay(&checkout.csrf, &card).await.json().await.unwrap();
    assert_eq!(first["status"], "rejected", "attempt 1 is declined");
    let (status, code) = error_code(app.pay(&checkout.csrf, &card).await).await;
    assert_eq!(
        (status, code.as_str()),
        (502, "outcome_unknown"),
        "attempt 2 timed out"
    );
    (checkout, p1, p2)
}

// Hole 1: an unknown attempt is resolved by re-sending its own body with its own key; another
// attempt's (declined) payment is never taken for its outcome.
#[tokio::test]
async fn hole_01_an_unknown_attempt_is_resolved_by_its_own_key_not_by_another_attempts_payment() {
    let app = spawn_with(Options::default().reconcile_secs(1)).await;
    let (checkout, p1, p2) = declined_then_timed_out(&app, true).await;
    // The shopper tries again, twice.
    let card = checkout.card();
    let _ = app.pay(&checkout.csrf, &card).await;
    let _ = app.pay(&checkout.csrf, &card).await;
    let order = checkout.order_id.as_str();

    let keys = app.payment_keys().await;
    assert!(
        !keys.contains(&key(order, 3)),
        "no third attempt while attempt 2 may have charged: keys sent {keys:?}"
    );
    eventually(
        "the order is paid by attempt 2's payment",
        Duration::from_secs(10),
        || status_is(&app, order, "paid"),
    )
    .await;
    let attempt_2: Option<i64> = sqlx::query_scalar(
        "select payment_id from payment_attempts where order_id = $1::uuid and attempt_no = 2",
    )
    .bind(order)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        attempt_2,
        Some(p2),
        "attempt 2's outcome is its own payment, not p1"
    );
    let p1_attempt: Option<i32> =
        sqlx::query_scalar("select attempt_no from payments where id = $1")
            .bind(p1)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(p1_attempt, Some(1));
    // A re-send is the same request: same key, same body.
    let sent_2: Vec<Value> = app
        .payment_calls()
        .await
        .iter()
        .filter(|r| idempotency_key(r).as_deref() == Some(key(order, 2).as_str()))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert!(sent_2.len() >= 2, "attempt 2 was re-sent with its key");
    assert!(
        sent_2.iter().all(|b| b == &sent_2[0]),
        "every send of attempt 2 carries the same body"
    );
}

// Hole 2 (black box): with MP_TIMEOUT_SECS=6 one attempt may take three calls of ~6 s. A
// double click while the third call is still out must not be taken for an abandoned
// attempt: no new idempotency key goes out before the first call has ended.
#[tokio::test]
async fn hole_02_a_live_attempt_is_never_declared_abandoned_while_its_calls_can_land() {
    let app = spawn_with(Options::default().timeout_secs(6)).await;
    let checkout = app.start_checkout().await;
    let order = checkout.order_id.clone();
    let arrivals: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let seen = arrivals.clone();
    let first_key = key(&order, 1);
    let slow_failures = AtomicUsize::new(0);
    payment_creation(move |req: &Request| {
        let k = idempotency_key(req).unwrap_or_default();
        seen.lock().unwrap().push((k.clone(), Instant::now()));
        if k == first_key && slow_failures.fetch_add(1, Ordering::SeqCst) < 3 {
            // Slow, then failing, three times: the store retries with the same key.
            ResponseTemplate::new(500)
                .set_body_json(json!({"message": "internal_error", "status": 500}))
                .set_delay(Duration::from_millis(5_900))
        } else {
            payment_response("approved", "accredited").respond(req)
        }
    })
    .mount(&app.mp)
    .await;
    app.mp_search_finds(vec![]).await;
    let card = checkout.card();
    let first = async {
        let res = app.pay(&checkout.csrf, &card).await;
        let ended = Instant::now();
        (res.status().as_u16(), ended)
    };
    let double_click = async {
        // Not a wait for something: the moment the shopper clicks again, while the first
        // call may still land (it is the test's input, so no event can stand for it).
        tokio::time::sleep(Duration::from_millis(17_600)).await;
        app.pay(&checkout.csrf, &card).await.status().as_u16()
    };
    let ((_, first_ended), _) = tokio::join!(first, double_click);
    let early: Vec<String> = arrivals
        .lock()
        .unwrap()
        .iter()
        .filter(|(k, at)| k != &key(&order, 1) && *at < first_ended)
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        early.is_empty(),
        "a new key went out while attempt 1's call was live: {early:?}"
    );
}

// Hole 3 (409, 423 and 424 mean "this key is in use or locked": a payment may exist) is a
// family of the table in `provider_answers.rs`.

// Hole 4: a notification whose re-read failed is re-driven until it is processed.
#[tokio::test]
async fn hole_04_a_notification_whose_re_read_failed_is_retried_until_processed() {
    let app = spawn_with(Options::default().reconcile_secs(1)).await;
    let checkout = app.start_checkout().await;
    let id = next_payment_id();
    Mock::given(method("GET"))
        .and(path(format!("/v1/payments/{id}")))
        .respond_with(internal_error())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.mp)
        .await;
    mp_shows(
        &app,
        checkout.payment(id, APPROVED, "account_money", None),
        5,
    )
    .await;
    assert_eq!(app.notify_signed(id, now_ms(), "req-retried").await, 200);
    eventually(
        "the notification is processed and the order paid",
        Duration::from_secs(20),
        || async {
            app.count("select count(*) from notifications where processed_at is not null")
                .await
                == 1
                && status_is(&app, &checkout.order_id, "paid").await
        },
    )
    .await;
}

// Hole 4: a notification that never came (a refund of a paid order, say) is caught by the
// worker's periodic sweep of recently updated payments (every SWEEP_INTERVAL_SECS).
#[tokio::test]
async fn hole_04_a_dropped_refund_notification_is_caught_by_the_sweep() {
    // The worker every second.
    let options = Options::default().reconcile_secs(1);
    let app = spawn_with(options.env("SWEEP_INTERVAL_SECS", "1")).await;
    let (checkout, a) = paid_by_card(&app).await;
    let refunded = checkout.payment(a, ("refunded", "refunded"), "master", Some(1));
    // Refunded in the panel; the notification is lost. Mercado Pago shows it everywhere.
    mp_shows(&app, refunded.clone(), 1).await;
    app.mp_search_finds(vec![refunded]).await;
    eventually(
        "the refund reaches the order without any notification",
        Duration::from_secs(20),
        || status_is(&app, &checkout.order_id, "refunded"),
    )
    .await;
}

/// A card payment A approved for a fresh order; returns the checkout and A's id.
async fn paid_by_card(app: &TestApp) -> (Checkout, i64) {
    app.mp_creates(payment_response("approved", "accredited"))
        .await;
    let checkout = app.start_checkout().await;
    let answer: Value = app.pay_card(&checkout).await.json().await.unwrap();
    assert_eq!(answer["status"], "approved");
    let a = answer["payment_id"].as_i64().unwrap();
    mp_shows(app, checkout.payment(a, APPROVED, "master", Some(1)), 5).await;
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
    (checkout, a)
}

async fn processed(app: &TestApp) -> i64 {
    app.count("select count(*) from notifications where processed_at is not null")
        .await
}

// Hole 5: a second approved payment for a paid order is flagged; refunding it leaves the order
// paid (the first payment stands).
#[tokio::test]
async fn hole_05_a_second_approved_payment_is_flagged_and_its_refund_leaves_the_order_paid() {
    let app = spawn_with(Options::default()).await;
    let (checkout, _a) = paid_by_card(&app).await;
    let order = checkout.order_id.as_str();
    // The wallet preference was paid too, later.
    let b = next_payment_id();
    let dup = checkout.payment(b, APPROVED, "account_money", None);
    mp_shows(&app, dup.clone(), 5).await;
    assert_eq!(
        app.notify_signed(b, now_ms(), "req-dup-approved").await,
        200
    );
    let mut problems = Vec::new();
    let flagged = format!(
        "select count(*) from anomalies where kind = 'duplicate_payment' and payment_id = {b} and order_id = '{order}'"
    );
    if !holds_within(Duration::from_secs(5), || async {
        app.count(&flagged).await == 1
    })
    .await
    {
        problems.push("the second approved payment was not flagged duplicate_payment".to_string());
    }
    eventually(
        "the notification is processed",
        Duration::from_secs(5),
        || async { processed(&app).await == 1 },
    )
    .await;
    if app
        .count(&format!("select count(*) from payments where id = {b}"))
        .await
        != 1
    {
        problems.push("the second payment was not recorded".to_string());
    }
    let now = app.order_status(order).await;
    if now != "paid" {
        problems.push(format!("after the duplicate the order is {now}"));
    }
    // The merchant refunds the duplicate at Mercado Pago.
    let mut refunded = dup;
    refunded["status"] = "refunded".into();
    refunded["status_detail"] = "refunded".into();
    refunded["transaction_amount_refunded"] = refunded["transaction_amount"].clone();
    mp_shows(&app, refunded, 1).await;
    assert_eq!(
        app.notify_signed(b, now_ms(), "req-dup-refunded").await,
        200
    );
    eventually(
        "the refund news is processed",
        Duration::from_secs(5),
        || async { processed(&app).await == 2 },
    )
    .await;
    // Processed means applied: the order is what the refund news made it.
    let now = app.order_status(order).await;
    if now != "paid" {
        problems.push(format!(
            "refunding the duplicate moved the order to {now}; the first payment stands"
        ));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

// Hole 5: MP_REFUND_DUPLICATES=true refunds a duplicate by itself.
#[tokio::test]
async fn hole_05_with_mp_refund_duplicates_a_duplicate_is_refunded_automatically() {
    let app = spawn_with(Options::default().env("MP_REFUND_DUPLICATES", "true")).await;
    let (checkout, a) = paid_by_card(&app).await;
    let b = next_payment_id();
    mp_shows(
        &app,
        checkout.payment(b, APPROVED, "account_money", None),
        5,
    )
    .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/payments/\d+/refunds$"))
        .respond_with(move |req: &Request| {
            let id: i64 = req.url.path().split('/').nth(3).unwrap().parse().unwrap();
            ResponseTemplate::new(201).set_body_json(json!({
                "id": next_payment_id(), "payment_id": id, "status": "approved",
                "amount": 158.8, "source": {"type": "collector"}}))
        })
        .mount(&app.mp)
        .await;
    assert_eq!(app.notify_signed(b, now_ms(), "req-dup").await, 200);
    let refunds_of_b = format!("/v1/payments/{b}/refunds");
    eventually(
        "the duplicate is refunded at Mercado Pago",
        Duration::from_secs(10),
        || async { !app.mp_requests("POST", &refunds_of_b).await.is_empty() },
    )
    .await;
    assert!(
        app.mp_requests("POST", &format!("/v1/payments/{a}/refunds"))
            .await
            .is_empty(),
        "the first payment is never refunded"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}

// Hole 5: the wallet preference expires, so it cannot be paid after the order is settled.
#[tokio::test]
async fn hole_05_the_wallet_preference_is_created_with_an_expiry() {
    let app = spawn_with(Options::default()).await;
    Mock::given(method("POST"))
        .and(path("/checkout/preferences"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "123456-pref", "init_point": "https://www.mercadopago.com.br/checkout/v1/redirect?pref_id=123456-pref"})))
        .mount(&app.mp)
        .await;
    let _checkout = app.start_checkout().await;
    let created = app.mp_requests("POST", "/checkout/preferences").await;
    assert!(!created.is_empty(), "the checkout page made a preference");
    let body: Value = serde_json::from_slice(&created[0].body).unwrap();
    assert_eq!(body["expires"], true, "preference body: {body}");
    let until = body["expiration_date_to"]
        .as_str()
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .unwrap_or_else(|| panic!("expiration_date_to is an ISO date: {body}"));
    assert!(until > time::OffsetDateTime::now_utc(), "{until} is ahead");
}

fn boleto(amount: &str) -> Value {
    json!({"selectedPaymentMethod": "ticket", "formData": {
        "payment_method_id": "bolbradesco",
        "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
        "payer": {"email": "test_user_123@testuser.com", "first_name": "Ana", "last_name": "Silva",
                  "identification": {"type": "CPF", "number": "12345678909"},
                  "address": {"zip_code": "06233200", "street_name": "Av. das Nações Unidas", "street_number": "3003",
                              "neighborhood": "Bonfim", "city": "Osasco", "federal_unit": "SP"}}}})
}

fn pix(amount: &str) -> Value {
    json!({"selectedPaymentMethod": "bank_transfer", "formData": {"payment_method_id": "pix",
        "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
        "payer": {"email": "p@example.com"}}})
}

// Hole 6: past its expiry date a pending boleto may still be paid (and credited days later):
// only Pix is cancelled by the worker.
#[tokio::test]
async fn hole_06_the_worker_cancels_an_expired_pending_pix_but_never_a_boleto() {
    let app = spawn_with(Options::default().reconcile_secs(1)).await;
    let (boleto_id, pix_id) = (next_payment_id(), next_payment_id());
    let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let pending = move |req: &Request| {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let method = body["payment_method_id"].as_str().unwrap_or("").to_string();
        let (id, kind) = if method == "pix" {
            (pix_id, "bank_transfer")
        } else {
            (boleto_id, "ticket")
        };
        ResponseTemplate::new(201).set_body_json(json!({
            "id": id, "status": "pending", "status_detail": "pending_waiting_payment",
            "transaction_amount": body["transaction_amount"], "currency_id": "BRL",
            "payment_method_id": method, "payment_type_id": kind,
            "external_reference": body["external_reference"], "metadata": body["metadata"],
            "date_of_expiration": body["date_of_expiration"]}))
    };
    app.mp_creates(pending).await;

    let boleto_order = app.start_checkout().await;
    let answer: Value = app
        .pay(&boleto_order.csrf, &boleto(&boleto_order.amount))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["payment_id"], boleto_id, "{answer}");
    // The boleto's order is settled for the shopper; another cart makes a new order.
    let ids = app.product_ids().await;
    app.add_to_cart(ids[2], 1).await;
    let pix_order = app.open_checkout().await;
    assert_ne!(pix_order.order_id, boleto_order.order_id, "a second order");
    let answer: Value = app
        .pay(&pix_order.csrf, &pix(&pix_order.amount))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["payment_id"], pix_id, "{answer}");

    // Both are still pending at Mercado Pago, a day past their expiry.
    for (id, order, pm) in [
        (boleto_id, &boleto_order, "bolbradesco"),
        (pix_id, &pix_order, "pix"),
    ] {
        let mut payment = order.payment(id, ("pending", "pending_waiting_payment"), pm, Some(1));
        payment["payment_type_id"] = if pm == "pix" {
            "bank_transfer"
        } else {
            "ticket"
        }
        .into();
        payment["date_of_expiration"] = yesterday.clone().into();
        mp_shows(&app, payment.clone(), 5).await;
        payment["status"] = "cancelled".into();
        payment["status_detail"] = "expired".into();
        Mock::given(method("PUT"))
            .and(path(format!("/v1/payments/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(payment))
            .mount(&app.mp)
            .await;
    }
    eventually(
        "the worker looked at both payments",
        Duration::from_secs(10),
        || async {
            !app.mp_requests("GET", &format!("/v1/payments/{boleto_id}"))
                .await
                .is_empty()
                && !app
                    .mp_requests("GET", &format!("/v1/payments/{pix_id}"))
                    .await
                    .is_empty()
        },
    )
    .await;
    eventually(
        "the expired Pix is cancelled",
        Duration::from_secs(10),
        || async {
            !app.mp_requests("PUT", &format!("/v1/payments/{pix_id}"))
                .await
                .is_empty()
        },
    )
    .await;
    // The worker takes due orders oldest first (by `updated_at`) and checks them one by one,
    // so once the Pix order (the newer) is cancelled in our books, the boleto's check in the
    // same pass or an earlier one has been decided: not cancelling leaves no other trace.
    app.wait_for_status(&pix_order.order_id, "cancelled").await;
    assert!(
        app.mp_requests("PUT", &format!("/v1/payments/{boleto_id}"))
            .await
            .is_empty(),
        "a pending boleto past its date is never cancelled: it may have been paid on its last day"
    );
    assert_eq!(
        app.order_status(&boleto_order.order_id).await,
        "payment_pending"
    );
}

// Hole 7: the Pix expiry is well clear of Mercado Pago's 30-minute minimum.
#[tokio::test]
async fn hole_07_a_pix_expires_at_least_an_hour_ahead_by_default() {
    let app = spawn_with(Options::default()).await;
    app.mp_creates(payment_response("pending", "pending_waiting_transfer"))
        .await;
    let checkout = app.start_checkout().await;
    let before = time::OffsetDateTime::now_utc();
    let res = app.pay(&checkout.csrf, &pix(&checkout.amount)).await;
    assert_eq!(res.status(), 200);
    let calls = app.payment_calls().await;
    let body: Value = serde_json::from_slice(&calls[0].body).unwrap();
    let expires = body["date_of_expiration"]
        .as_str()
        .and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        })
        .unwrap_or_else(|| panic!("a Pix has a date_of_expiration: {body}"));
    let ahead = expires - before;
    assert!(
        ahead >= time::Duration::minutes(59),
        "the Pix expires only {ahead} after the request"
    );
}

// Hole 8: a retry of an hours-old notification keeps its original ts and signature; it is
// only a hint to re-read, so it is accepted.
#[tokio::test]
async fn hole_08_a_validly_signed_notification_hours_old_is_accepted_and_processed() {
    let app = spawn_with(Options::default()).await;
    let checkout = app.start_checkout().await;
    let id = next_payment_id();
    mp_shows(&app, checkout.payment(id, APPROVED, "pix", None), 5).await;
    let two_hours_ago = now_ms() - 2 * 3_600_000;
    assert_eq!(app.notify_signed(id, two_hours_ago, "req-old").await, 200);
    eventually(
        "the old notification is processed",
        Duration::from_secs(5),
        || async {
            processed(&app).await == 1 && status_is(&app, &checkout.order_id, "paid").await
        },
    )
    .await;
}

// Hole 9: unsigned IPN hints cannot make the store spend its Mercado Pago quota.
#[tokio::test]
async fn hole_09_a_burst_of_unsigned_hints_is_rate_limited() {
    let app = spawn_with(Options::default()).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/payments/\d+$"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Payment not found", "status": 404}))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&app.mp)
        .await;
    let hints = (0..40).map(|i| {
        let app = &app;
        async move {
            app.client
                .post(app.url(&format!(
                    "/webhooks/mercadopago?topic=payment&id={}",
                    880_000 + i
                )))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let answers = futures_util::future::join_all(hints).await;
    // Each accepted hint makes one re-read, in the background: wait for them all.
    let accepted = answers.iter().filter(|s| **s == 200).count();
    let reads = || async {
        let all = app.mp.received_requests().await.unwrap_or_default();
        all.iter().filter(|r| r.method.as_str() == "GET").count()
    };
    eventually(
        "every accepted hint re-read",
        Duration::from_secs(10),
        || async { reads().await >= accepted },
    )
    .await;
    let reads = reads().await;
    let limited = answers.iter().filter(|s| **s == 429).count();
    assert!(
        limited > 0 && reads <= 20,
        "40 hints from one source: {limited} answered 429, {reads} re-reads at Mercado Pago"
    );
}

#[tokio::test]
async fn hole_09_no_hint_re_reads_a_payment_already_final_in_our_books() {
    let app = spawn_with(Options::default()).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/payments/\d+$"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "not found"})))
        .mount(&app.mp)
        .await;
    let mut ids = Vec::new();
    for status in ["refunded", "charged_back", "cancelled"] {
        let order = uuid::Uuid::new_v4();
        sqlx::query(
            "insert into orders (id, shopper_id, site, currency, total_minor, status, cart_fingerprint)
             values ($1, gen_random_uuid(), 'MLB', 'BRL', 10000, $2, 'x')",
        )
        .bind(order)
        .bind(status)
        .execute(&app.pool)
        .await
        .unwrap();
        let id = next_payment_id();
        sqlx::query(
            "insert into payments (id, order_id, attempt_no, status, status_detail, payment_method_id,
               payment_type_id, currency, amount_minor, refunded_minor, raw)
             values ($1, $2, 1, $3, $3, 'master', 'credit_card', 'BRL', 10000,
               case when $3 = 'refunded' then 10000 else 0 end, '{}')",
        )
        .bind(id)
        .bind(order)
        .bind(status)
        .execute(&app.pool)
        .await
        .unwrap();
        ids.push((id, status));
    }
    for (id, _) in &ids {
        let hint = app.url(&format!("/webhooks/mercadopago?topic=payment&id={id}"));
        // "final" is answered instead of starting a re-read: no background work to wait for.
        let answer = send_json(app.client.post(hint)).await;
        assert_eq!(answer["status"], "final", "{answer}");
    }
    for (id, status) in ids {
        assert!(
            app.mp_requests("GET", &format!("/v1/payments/{id}"))
                .await
                .is_empty(),
            "a hint about a payment {status} in our books made a re-read"
        );
    }
}

#[tokio::test]
async fn hole_09_the_return_route_answers_only_the_session_that_owns_the_order() {
    let app = spawn_with(Options::default()).await;
    app.mp_search_finds(vec![]).await;
    let checkout = app.start_checkout().await;
    let stranger = browser();
    let res = stranger
        .get(app.url(&format!("/orders/{}/return", checkout.order_id)))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    // The worker's sweep searches by date; only a search for this order counts.
    let searches = app
        .mp_requests("GET", "/v1/payments/search")
        .await
        .iter()
        .filter(|r| r.url.query().unwrap_or("").contains("external_reference"))
        .count();
    assert_eq!(
        (status, searches),
        (404, 0),
        "a stranger's /return: status and searches at Mercado Pago"
    );
}

// Hole 10: declined -> retry is capped per order (card testing).

/// Mercado Pago declines every payment; the shopper pays `checkout` `times` times.
async fn declined(app: &TestApp, checkout: &Checkout, times: usize) {
    for n in 1..=times {
        let answer: Value = app.pay_card(checkout).await.json().await.unwrap();
        assert_eq!(answer["status"], "rejected", "attempt {n}");
    }
}

/// The next submit is refused before any call: 429, `too_many_attempts`, and still `calls`
/// payment calls made in all.
async fn assert_capped(app: &TestApp, checkout: &Checkout, calls: usize) {
    let (status, error) = error_code(app.pay_card(checkout).await).await;
    let made = app.payment_calls().await.len();
    assert_eq!(
        (status, error.as_str(), made),
        (429, "too_many_attempts", calls),
        "the next submit: status, error, payment calls made"
    );
}

#[tokio::test]
async fn hole_10_the_sixth_attempt_on_one_order_is_refused_without_a_call() {
    let app = spawn_with(Options::default()).await;
    app.mp_answers("rejected", "cc_rejected_bad_filled_security_code")
        .await;
    let checkout = app.start_checkout().await;
    declined(&app, &checkout, 5).await;
    assert_capped(&app, &checkout, 5).await;
}

#[tokio::test]
async fn hole_10_max_attempts_per_order_is_a_setting() {
    let app = spawn_with(Options::default().env("MAX_ATTEMPTS_PER_ORDER", "2")).await;
    app.mp_answers("rejected", "cc_rejected_other_reason").await;
    let checkout = app.start_checkout().await;
    declined(&app, &checkout, 2).await;
    assert_capped(&app, &checkout, 2).await;
}

#[tokio::test]
async fn hole_10_attempts_are_capped_per_shopper_across_orders() {
    let app = spawn_with(Options::default().env("MAX_ATTEMPTS_PER_SHOPPER", "3")).await;
    app.mp_answers("rejected", "cc_rejected_other_reason").await;
    let first = app.start_checkout().await;
    declined(&app, &first, 2).await;
    // Another cart, another order, the same shopper.
    let ids = app.product_ids().await;
    app.add_to_cart(ids[2], 1).await;
    let second = app.open_checkout().await;
    assert_ne!(second.order_id, first.order_id);
    declined(&app, &second, 1).await;
    assert_capped(&app, &second, 3).await;
}

// Hole 12: a 5xx (a payment may exist) followed by 429s is still "outcome unknown".
#[tokio::test]
async fn hole_12_a_5xx_then_429s_is_an_unknown_outcome_not_rate_limiting() {
    let app = spawn_with(Options::default()).await;
    payment_creation(internal_error())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&app.mp)
        .await;
    payment_creation(
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .set_body_json(json!({"message": "too_many_requests"})),
    )
    .with_priority(2)
    .mount(&app.mp)
    .await;
    app.mp_search_finds(vec![]).await;
    let checkout = app.start_checkout().await;
    let (status, error) = error_code(app.pay_card(&checkout).await).await;
    let order = app.order_status(&checkout.order_id).await;
    assert_eq!(
        (status, error.as_str(), order.as_str()),
        (502, "outcome_unknown", "payment_unknown"),
        "after a 500 and 429s: status, error, order"
    );
}

// Hole 13: late news of attempt 1's decline must not move an order whose attempt 2 is unknown.
#[tokio::test]
async fn hole_13_news_of_an_older_attempt_leaves_an_order_with_an_unknown_newer_attempt_alone() {
    let app = spawn_with(Options::default()).await;
    let (checkout, p1, _p2) = declined_then_timed_out(&app, false).await;
    assert_eq!(
        app.order_status(&checkout.order_id).await,
        "payment_unknown"
    );
    assert_eq!(app.notify_signed(p1, now_ms(), "req-late-p1").await, 200);
    eventually("p1 is re-read", Duration::from_secs(5), || async {
        !app.mp_requests("GET", &format!("/v1/payments/{p1}"))
            .await
            .is_empty()
    })
    .await;
    app.notifications_tried().await;
    let now = app.order_status(&checkout.order_id).await;
    assert!(
        ["payment_unknown", "processing"].contains(&now.as_str()),
        "attempt 2 may have charged: the order waits for it, but it is {now}"
    );
}
