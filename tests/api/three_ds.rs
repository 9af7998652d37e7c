//! 3-D Secure against the store's own emulator: the test cardholder `CHAL` makes the issuer
//! ask for a challenge, which the shopper passes, fails or abandons. Every way keeps "one
//! order, at most one charge".

use std::time::Duration;

use serde_json::{json, Value};

use common::{attr, eventually, json_of, spawn_with, Options, TestApp};

async fn sandbox_store(env: Vec<(&'static str, String)>, reconcile_secs: u64) -> TestApp {
    spawn_with(Options {
        env,
        ..Options::default().sandbox().reconcile_secs(reconcile_secs)
    })
    .await
}

/// Pays with `CHAL` and checks that the answer and the order wait for the challenge.
async fn challenged(app: &TestApp) -> (common::Checkout, Value) {
    let checkout = app.start_checkout().await;
    let submission = app.sandbox_card(&checkout.amount, "CHAL").await;
    let res = app.pay(&checkout.csrf, &submission).await;
    assert_eq!(res.status(), 200);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["status"], "pending", "{answer}");
    assert_eq!(answer["status_detail"], "pending_challenge", "{answer}");
    assert_eq!(
        app.order_status(&checkout.order_id).await,
        "payment_pending"
    );
    (checkout, answer)
}

/// Posts `creq` to the challenge page as the shopper's frame does, then the shopper's choice.
async fn meet_challenge(app: &TestApp, result_page: &str, choice: &str) -> String {
    let url = attr(
        result_page,
        "id=\"challenge-form\" method=\"post\" action=\"",
    )
    .expect("the result page frames the challenge");
    let creq = attr(result_page, "name=\"creq\" value=\"").expect("creq");
    let page = app
        .client
        .post(&url)
        .form(&[("creq", creq.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("challenge-pass"));
    app.client
        .post(&url)
        .form(&[("creq", creq.as_str()), ("result", choice)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn emulator_payments(app: &TestApp) -> Vec<Value> {
    let res = app.sandbox_control("GET", "payments", None).await;
    res.json().await.unwrap()
}

/// Waits (10 s) until the order's status, as the result page polls it, is `want`; returns
/// the result page then.
async fn polled_until(app: &TestApp, order_id: &str, want: &str, what: &str) -> String {
    eventually(what, Duration::from_secs(10), || async {
        polled_status(app, order_id).await["order_status"] == want
    })
    .await;
    app.order_page(order_id).await
}

async fn polled_status(app: &TestApp, order_id: &str) -> Value {
    app.get(&format!("/orders/{order_id}/status"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_passed_challenge_approves_the_one_payment() {
    let app = sandbox_store(vec![], 3600).await;
    // Every webhook lost: the result page's own poll must bring the outcome.
    let faults = app
        .sandbox_control("PUT", "faults", Some(&json!({"webhook_drop": 1.0})))
        .await;
    assert_eq!(faults.status(), 200);
    let (checkout, answer) = challenged(&app).await;
    let posts = app.sandbox_payment_posts().await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0]["body"]["three_d_secure_mode"], "optional");

    let res = app.get(answer["redirect_url"].as_str().unwrap()).await;
    let policy = res
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let page = res.text().await.unwrap();
    assert!(page.contains("Verificação do seu banco"), "{page}");
    assert!(page.contains(r#"width="600" height="500""#));
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "a reload would cut the challenge off"
    );
    let origin = app.address.clone();
    assert!(
        policy.contains(&format!("frame-src 'self' {origin}")),
        "{policy}"
    );
    assert!(policy.contains(&format!("form-action 'self' {origin}")));
    // Only this response is widened.
    let home = app.get("/").await;
    let home_policy = home.headers()["content-security-policy"].to_str().unwrap();
    assert_ne!(home_policy, policy);

    let done = meet_challenge(&app, &page, "pass").await;
    assert!(done.contains("approved"), "{done}");
    let order_id = checkout.order_id.clone();
    let page = polled_until(&app, &order_id, "paid", "the poll brings the approval").await;
    assert!(page.contains("Pagamento aprovado"), "{page}");
    assert!(!page.contains("challenge-form"));
    assert_eq!(emulator_payments(&app).await.len(), 1);
    app.assert_count("select count(*) from payments where status = 'approved'", 1)
        .await;
    // The order is decided: its cart is spent.
    assert_eq!(app.get("/checkout").await.headers()["location"], "/cart");
}

#[tokio::test]
async fn a_failed_challenge_declines_and_the_shopper_pays_again_from_the_same_cart() {
    let app = sandbox_store(vec![], 3600).await;
    let (checkout, answer) = challenged(&app).await;
    let page = app.get_html(answer["redirect_url"].as_str().unwrap()).await;
    let done = meet_challenge(&app, &page, "fail").await;
    assert!(done.contains("declined"), "{done}");
    let order_id = checkout.order_id.clone();
    let page = polled_until(&app, &order_id, "rejected", "the refusal reaches the order").await;
    assert!(page.contains("id=\"try-again\""), "{page}");
    // The cart was not spent: "try again" opens the checkout of the same order.
    let again = app.open_checkout().await;
    assert_eq!(again.order_id, checkout.order_id);
    let res = app
        .pay(&again.csrf, &app.sandbox_card(&again.amount, "APRO").await)
        .await;
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "approved", "{paid}");
    assert_ne!(paid["payment_id"], answer["payment_id"]);
    let statuses: Vec<Value> = emulator_payments(&app)
        .await
        .iter()
        .map(|p| p["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!("rejected"), json!("approved")]);
    assert_eq!(app.order_status(&order_id).await, "paid");
}

#[tokio::test]
async fn a_double_submit_during_a_challenge_charges_nothing_more() {
    let app = sandbox_store(vec![], 3600).await;
    let (checkout, answer) = challenged(&app).await;
    for _ in 0..2 {
        // The same submit again, and a new card token from a second tab.
        let card = app.sandbox_card(&checkout.amount, "APRO").await;
        let (_, again) = json_of(app.pay(&checkout.csrf, &card).await).await;
        assert_eq!(again["payment_id"], answer["payment_id"], "{again}");
        assert_eq!(again["status_detail"], "pending_challenge");
    }
    assert_eq!(app.sandbox_payment_posts().await.len(), 1);
    assert_eq!(emulator_payments(&app).await.len(), 1);
}

#[tokio::test]
async fn an_abandoned_challenge_stays_pending_then_is_cancelled_by_the_worker() {
    let app = sandbox_store(vec![], 1).await;
    let (checkout, answer) = challenged(&app).await;
    let payment_id = answer["payment_id"].as_i64().unwrap();
    // Within Mercado Pago's window the worker leaves it alone: it looks (the order's
    // `checks` counts its passes) and keeps the order pending.
    app.wait_for_count(
        &format!(
            "select count(*) from orders where id = '{}' and checks > 0",
            checkout.order_id
        ),
        1,
    )
    .await;
    assert_eq!(
        app.order_status(&checkout.order_id).await,
        "payment_pending"
    );
    // Eleven minutes later, as Mercado Pago may leave it: still pending.
    let aged: Value = app
        .sandbox_control(
            "POST",
            &format!("payments/{payment_id}/age"),
            Some(&json!({"minutes": 11})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(aged["status_detail"], "pending_challenge");
    sqlx::query("update orders set next_check_at = null where id = $1::uuid")
        .bind(&checkout.order_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let order_id = checkout.order_id.clone();
    eventually(
        "the worker cancels the abandoned challenge",
        Duration::from_secs(15),
        || {
            let app = &app;
            let order_id = order_id.clone();
            async move { app.order_status(&order_id).await == "cancelled" }
        },
    )
    .await;
    let at_mp = &emulator_payments(&app).await[0];
    assert_eq!(at_mp["status"], "cancelled");
    // Too late now: the bank's page can no longer approve it behind the shopper's back.
    let late = app
        .sandbox_control(
            "POST",
            &format!("payments/{payment_id}/pass_challenge"),
            None,
        )
        .await;
    assert_eq!(late.status(), 400);
    // The cart was kept: the shopper starts again with a new order.
    let again = app.open_checkout().await;
    assert_ne!(again.order_id, checkout.order_id);
}

#[tokio::test]
async fn without_3ds_an_issuer_that_requires_it_declines() {
    let app = sandbox_store(vec![("MP_THREE_DS", "not_supported".into())], 3600).await;
    let checkout = app.start_checkout().await;
    let card = app.sandbox_card(&checkout.amount, "CHAL").await;
    let (_, answer) = json_of(app.pay(&checkout.csrf, &card).await).await;
    assert_eq!(answer["status"], "rejected");
    assert_eq!(answer["status_detail"], "cc_rejected_3ds_mandatory");
    let posts = app.sandbox_payment_posts().await;
    assert!(posts[0]["body"].get("three_d_secure_mode").is_none());
}

#[tokio::test]
async fn the_status_screen_stand_in_shows_the_payment_and_hands_it_the_challenge() {
    let app = sandbox_store(vec![("MP_STATUS_SCREEN", "true".into())], 3600).await;
    let (_, answer) = challenged(&app).await;
    let payment_id = answer["payment_id"].as_i64().unwrap();
    let page = app.get_html(answer["redirect_url"].as_str().unwrap()).await;
    assert!(page.contains(&format!(
        r#"id="statusScreenBrick_container" data-payment-id="{payment_id}""#
    )));
    for (words, why) in [
        ("data-creq=\"", "the Brick gets additionalInfo"),
        ("/static/status-screen.js", "the Brick's stand-in"),
        (
            "id=\"challenge-form\"",
            "our own challenge stays as the fallback",
        ),
    ] {
        assert!(page.contains(words), "{why}");
    }
    // What the stand-in reads with the public key, as the real Brick does.
    let seen: Value = app
        .get(&format!(
            "/sandbox/mp/sandbox/status_screen/{payment_id}?public_key=TEST-sandbox-public-key"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["id"], payment_id);
    assert_eq!(seen["status_detail"], "pending_challenge");
    let refused = app
        .get(&format!("/sandbox/mp/sandbox/status_screen/{payment_id}"))
        .await;
    assert_eq!(refused.status(), 401);
    let js = app.get("/static/status-screen.js").await;
    assert_eq!(js.status(), 200);
    // Not for a Pix or a ticket, and not where the merchant did not ask for it.
    let plain = sandbox_store(vec![], 3600).await;
    let (_, answer) = challenged(&plain).await;
    let page = plain
        .get_html(answer["redirect_url"].as_str().unwrap())
        .await;
    assert!(!page.contains("statusScreenBrick_container"));
}

/// Live mode: the issuer's page is on a bank's host, known only from the answer.
async fn live_challenge(url: &str) -> (TestApp, String, Option<String>) {
    use wiremock::ResponseTemplate;
    let app = spawn_with(Options::default()).await;
    let checkout = app.start_checkout().await;
    let mut payment = checkout.payment(
        common::next_payment_id(),
        ("pending", "pending_challenge"),
        "master",
        Some(1),
    );
    payment["three_ds_info"] =
        json!({"external_resource_url": url, "creq": "eyJtZXNzYWdlVHlwZSI6IkNSZXEifQ"});
    app.mp_creates(ResponseTemplate::new(201).set_body_json(payment))
        .await;
    let answer: Value = app.pay_card(&checkout).await.json().await.unwrap();
    let res = app.get(answer["redirect_url"].as_str().unwrap()).await;
    let policy = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    (app, res.text().await.unwrap(), Some(policy))
}

#[tokio::test]
async fn the_issuers_origin_is_allowed_on_that_page_only_and_only_over_https() {
    let (_app, page, policy) = live_challenge("https://acs.bank.example/3ds/challenge").await;
    let policy = policy.unwrap();
    assert!(page.contains(r#"action="https://acs.bank.example/3ds/challenge""#));
    for allowed in ["frame-src", "form-action"] {
        let rule = format!("{allowed} 'self' https://acs.bank.example ");
        assert!(policy.contains(&rule), "{policy}");
    }
    let status_screen = page.contains("statusScreenBrick_container");
    assert!(status_screen, "live mode shows the Status Screen");

    // A challenge URL no policy should name is not framed; the page still says what waits.
    let (_app, page, policy) = live_challenge("http://acs.bank.example/3ds/challenge").await;
    assert!(!page.contains("challenge-form"), "{page}");
    assert!(page.contains("Confirme o pagamento com seu banco"));
    assert!(!policy.unwrap().contains("acs.bank.example"));
}
