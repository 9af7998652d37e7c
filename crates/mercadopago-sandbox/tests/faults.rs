//! Fault modes, black-box over HTTP: each is on at probability 1 (or 0) under a fixed seed, so
//! every test is deterministic.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mercadopago_sandbox::{Faults, RunningSandbox};
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn put_faults(sb: &RunningSandbox, faults: Value) -> Value {
    let res = client()
        .put(format!("{}/sandbox/control/faults", sb.base_url))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn payments(sb: &RunningSandbox) -> Vec<Value> {
    control(sb, "payments").await.as_array().unwrap().clone()
}

async fn log_kinds(sb: &RunningSandbox) -> Vec<String> {
    control(sb, "faults/log")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn pix(reference: &str) -> Value {
    json!({"transaction_amount": 25.5, "payment_method_id": "pix", "external_reference": reference,
           "payer": {"email": "b@example.com"}})
}

async fn search(sb: &RunningSandbox, reference: &str) -> Value {
    client()
        .get(format!(
            "{}/v1/payments/search?external_reference={reference}",
            sb.base_url
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn faults_are_read_and_replaced_over_http_and_refused_when_malformed() {
    let sb = brazil().await;
    assert_eq!(
        control(&sb, "faults").await,
        serde_json::to_value(Faults::default()).unwrap()
    );
    let set = put_faults(
        &sb,
        json!({"seed": 7, "rate_limit": 0.5, "processing_ms": [1, 2]}),
    )
    .await;
    assert_eq!(set["seed"], 7);
    assert_eq!(set["lost_answer"], 0.0, "missing fields are off");
    assert_eq!(sb.sandbox.faults().processing_ms, [1, 2]);
    let bad = client()
        .put(format!("{}/sandbox/control/faults", sb.base_url))
        .json(&json!({"lost_answer": 1.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    put_faults(&sb, json!({})).await;
    assert_eq!(sb.sandbox.faults(), Faults::default());
}

#[tokio::test]
async fn a_lost_answer_makes_the_payment_and_a_same_key_replay_returns_it() {
    let sb = with_faults(
        "MLB",
        Faults {
            seed: 1,
            lost_answer: 1.0,
            lost_answer_hold_ms: 300,
            ..Faults::default()
        },
    )
    .await;
    let started = Instant::now();
    let (status, body) = post_payment(&sb, &pix("order-lost"), "key-lost").await;
    assert_eq!(status, 504, "{body}");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "held first"
    );
    let made = payments(&sb).await;
    assert_eq!(
        made.len(),
        1,
        "the payment exists though its answer was lost"
    );

    let (status, replay) = post_payment(&sb, &pix("order-lost"), "key-lost").await;
    assert_eq!(status, 201);
    assert_eq!(replay["id"], made[0]["id"]);
    assert_eq!(payments(&sb).await.len(), 1, "the replay made nothing new");

    let log = sb.sandbox.faults_log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, "lost_answer");
    assert_eq!(log[0].seq, 1);
    assert_eq!(log[0].idempotency_key.as_deref(), Some("key-lost"));
    assert_eq!(log[0].payment_id, made[0]["id"].as_i64());
    assert_eq!(log[0].external_reference.as_deref(), Some("order-lost"));
}

#[tokio::test]
async fn an_error_after_create_hides_a_payment_that_a_replay_returns() {
    let sb = with_faults(
        "MLB",
        Faults {
            error_after_create: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let (status, _) = post_payment(&sb, &pix("order-5xx"), "key-5xx").await;
    assert!([500, 502, 503].contains(&status), "{status}");
    assert_eq!(payments(&sb).await.len(), 1);
    let (status, replay) = post_payment(&sb, &pix("order-5xx"), "key-5xx").await;
    assert_eq!(status, 201);
    assert_eq!(replay["id"], payments(&sb).await[0]["id"]);
    assert_eq!(log_kinds(&sb).await, ["error_after_create"]);
}

#[tokio::test]
async fn an_error_before_create_makes_nothing_and_the_same_key_may_try_again() {
    let sb = with_faults(
        "MLB",
        Faults {
            error_before_create: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let (status, body) = post_payment(&sb, &pix("order-early"), "key-early").await;
    assert!([500, 502, 503].contains(&status), "{status}");
    assert_eq!(body["status"], status, "Mercado Pago's error shape");
    assert!(payments(&sb).await.is_empty());
    sb.sandbox.set_faults(Faults::default());
    let (status, _) = post_payment(&sb, &pix("order-early"), "key-early").await;
    assert_eq!(status, 201, "nothing was stored for the key");
    assert_eq!(log_kinds(&sb).await, ["error_before_create"]);
}

#[tokio::test]
async fn an_edge_error_while_the_request_goes_on_behind_it_makes_the_payment_later() {
    let sb = with_faults(
        "MLB",
        Faults {
            seed: 5,
            error_while_processing: 1.0,
            processing_behind_ms: [500, 500],
            in_flight_conflict: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let (status, _) = post_payment(&sb, &pix("order-behind"), "key-behind").await;
    assert!([502, 504].contains(&status), "{status}");
    assert!(payments(&sb).await.is_empty(), "not made yet");
    // A retry with the same key meets the request still in flight behind the edge.
    let (status, _) = post_payment(&sb, &pix("order-behind"), "key-behind").await;
    assert!([409, 423].contains(&status), "{status}");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(payments(&sb).await.len(), 1, "made behind the edge's error");
    let (status, replay) = post_payment(&sb, &pix("order-behind"), "key-behind").await;
    assert_eq!(
        status, 201,
        "the key now replays the payment it made: {replay}"
    );
    assert_eq!(payments(&sb).await.len(), 1);
    let kinds = log_kinds(&sb).await;
    assert_eq!(kinds[0], "error_while_processing");
    assert!(
        kinds.contains(&"in_flight_conflict".to_string()),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_same_key_request_while_the_first_is_in_flight_gets_409_or_423() {
    let sb = with_faults(
        "MLB",
        Faults {
            seed: 3,
            processing_ms: [600, 600],
            in_flight_conflict: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let first = {
        let base = sb.base_url.clone();
        tokio::spawn(async move {
            client()
                .post(format!("{base}/v1/payments"))
                .bearer_auth(TOKEN)
                .header("X-Idempotency-Key", "key-busy")
                .json(&pix("order-busy"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, body) = post_payment(&sb, &pix("order-busy"), "key-busy").await;
    assert!([409, 423].contains(&status), "{status} {body}");
    assert_eq!(first.await.unwrap(), 201);
    assert_eq!(payments(&sb).await.len(), 1);
    let log = sb.sandbox.faults_log();
    assert_eq!(log[0].kind, "in_flight_conflict");
    assert_eq!(log[0].status, Some(status));
}

#[tokio::test]
async fn without_conflicts_a_same_key_request_waits_for_the_first_and_replays_it() {
    let sb = with_faults(
        "MLB",
        Faults {
            processing_ms: [500, 500],
            ..Faults::default()
        },
    )
    .await;
    let body = pix("order-wait");
    let (a, b) = tokio::join!(post_payment(&sb, &body, "key-wait"), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        post_payment(&sb, &body, "key-wait").await
    });
    assert_eq!((a.0, b.0), (201, 201));
    assert_eq!(a.1["id"], b.1["id"]);
    assert_eq!(payments(&sb).await.len(), 1);
}

#[tokio::test]
async fn a_rate_limit_answers_429_with_retry_after_and_creates_nothing() {
    let sb = with_faults(
        "MLB",
        Faults {
            rate_limit: 1.0,
            retry_after_secs: 2,
            ..Faults::default()
        },
    )
    .await;
    let res = client()
        .post(format!("{}/v1/payments", sb.base_url))
        .bearer_auth(TOKEN)
        .header("X-Idempotency-Key", "key-429")
        .json(&pix("order-429"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers().get("retry-after").unwrap(), "2");
    let res = client()
        .get(format!("{}/v1/payments/search", sb.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "any API path");
    assert!(payments(&sb).await.is_empty());
    assert_eq!(log_kinds(&sb).await, ["rate_limit", "rate_limit"]);
}

#[tokio::test]
async fn search_lags_behind_a_new_payment_but_a_read_by_id_does_not() {
    let sb = with_faults(
        "MLB",
        Faults {
            search_lag_ms: 700,
            ..Faults::default()
        },
    )
    .await;
    let (_, p) = post_payment(&sb, &pix("order-lag"), "key-lag").await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(search(&sb, "order-lag").await["paging"]["total"], 0);
    let read = client()
        .get(format!("{}/v1/payments/{id}", sb.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200, "a read by id sees it at once");
    assert_eq!(payments(&sb).await.len(), 1, "so does the control API");
    tokio::time::sleep(Duration::from_millis(750)).await;
    let found = search(&sb, "order-lag").await;
    assert_eq!(found["paging"]["total"], 1);
    assert_eq!(found["results"][0]["id"], id);
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

fn hooked(reference: &str, receiver: &MockServer) -> Value {
    let mut p = pix(reference);
    p["notification_url"] = json!(format!("{}/webhooks/mercadopago", receiver.uri()));
    p
}

#[tokio::test]
async fn a_duplicated_webhook_comes_twice_with_distinct_request_ids() {
    let hooks = receiver().await;
    let sb = with_faults(
        "MLB",
        Faults {
            webhook_duplicate: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let (_, p) = post_payment(&sb, &hooked("order-dup", &hooks), "key-dup").await;
    let id = p["id"].as_i64().unwrap().to_string();
    assert!(
        eventually(Duration::from_secs(5), || async {
            hooks.received_requests().await.unwrap().len() >= 2
        })
        .await
    );
    let seen = hooks.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2);
    assert_ne!(
        seen[0].headers.get("x-request-id"),
        seen[1].headers.get("x-request-id")
    );
    for req in &seen {
        assert!(valid_signature(req, &id, SECRET).is_some());
    }
    assert!(log_kinds(&sb).await.contains(&"webhook_duplicate".into()));
}

#[tokio::test]
async fn a_dropped_webhook_never_comes() {
    let hooks = receiver().await;
    let sb = with_faults(
        "MLB",
        Faults {
            webhook_drop: 1.0,
            ..Faults::default()
        },
    )
    .await;
    post_payment(&sb, &hooked("order-drop", &hooks), "key-drop").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(hooks.received_requests().await.unwrap().is_empty());
    assert_eq!(log_kinds(&sb).await, ["webhook_drop"]);
    let log = sb.sandbox.faults_log();
    assert_eq!(log[0].external_reference.as_deref(), Some("order-drop"));
}

#[tokio::test]
async fn a_stale_replay_comes_later_with_an_hours_old_ts_and_a_valid_signature() {
    let hooks = receiver().await;
    let sb = with_faults(
        "MLB",
        Faults {
            webhook_stale_replay: 1.0,
            ..Faults::default()
        },
    )
    .await;
    let (_, p) = post_payment(&sb, &hooked("order-stale", &hooks), "key-stale").await;
    let id = p["id"].as_i64().unwrap().to_string();
    assert!(
        eventually(Duration::from_secs(5), || async {
            hooks.received_requests().await.unwrap().len() >= 2
        })
        .await
    );
    let seen = hooks.received_requests().await.unwrap();
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let ages: Vec<i64> = seen
        .iter()
        .map(|r| now_ms - valid_signature(r, &id, SECRET).expect("validly signed"))
        .collect();
    assert!(ages[0] < 60_000, "the normal delivery first: {ages:?}");
    assert!(ages[1] > 2 * 3600 * 1000, "then one hours old: {ages:?}");
    assert_eq!(log_kinds(&sb).await, ["webhook_stale_replay"]);
}

#[tokio::test]
async fn webhook_delays_reorder_deliveries_and_are_logged() {
    let hooks = receiver().await;
    let sb = with_faults(
        "MLB",
        Faults {
            seed: 11,
            webhook_delay_ms: [0, 400],
            ..Faults::default()
        },
    )
    .await;
    for i in 0..4 {
        post_payment(
            &sb,
            &hooked(&format!("order-delay-{i}"), &hooks),
            &format!("key-delay-{i}"),
        )
        .await;
    }
    assert!(
        eventually(Duration::from_secs(5), || async {
            hooks.received_requests().await.unwrap().len() >= 4
        })
        .await
    );
    let delays: Vec<u64> = sb
        .sandbox
        .faults_log()
        .iter()
        .filter(|e| e.kind == "webhook_delay")
        .map(|e| e.delay_ms.unwrap())
        .collect();
    assert!(
        !delays.is_empty() && delays.iter().all(|d| *d <= 400),
        "{delays:?}"
    );
}

#[tokio::test]
async fn the_panel_webhook_url_serves_payments_without_a_notification_url() {
    let hooks = receiver().await;
    let sb = with_faults(
        "MLB",
        Faults {
            webhook_url: Some(format!(
                "{}/webhooks/mercadopago?source_news=webhooks",
                hooks.uri()
            )),
            ..Faults::default()
        },
    )
    .await;
    let (_, p) = post_payment(&sb, &pix("order-panel"), "key-panel").await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            !hooks.received_requests().await.unwrap().is_empty()
        })
        .await
    );
    let seen = hooks.received_requests().await.unwrap();
    assert_eq!(
        seen[0].url.query(),
        Some(format!("source_news=webhooks&data.id={}&type=payment", p["id"]).as_str())
    );
}

#[tokio::test]
async fn a_panel_refund_refunds_and_notifies() {
    let hooks = receiver().await;
    let sb = brazil().await;
    let token = card_token(&sb, "APRO").await;
    let mut body = card_payment(&token, "100.50");
    body["notification_url"] = json!(format!("{}/hooks", hooks.uri()));
    let (_, p) = post_payment(&sb, &body, "key-refund").await;
    let id = p["id"].as_i64().unwrap();
    let refund = |body: Value| {
        let url = format!("{}/sandbox/control/payments/{id}/refund", sb.base_url);
        async move { client().post(url).json(&body).send().await.unwrap() }
    };
    let partial = refund(json!({"amount": 10.50})).await;
    assert_eq!(partial.status(), 201);
    let partial: Value = partial.json().await.unwrap();
    assert_eq!(partial["amount"].to_string(), "10.50");
    let now = sb.sandbox.payment(id).unwrap();
    assert_eq!(now["status_detail"], "partially_refunded");
    assert_eq!(now["transaction_amount_refunded"].to_string(), "10.50");
    assert_eq!(refund(json!({})).await.status(), 201, "the rest");
    let now = sb.sandbox.payment(id).unwrap();
    assert_eq!(
        (
            now["status"].as_str(),
            now["refunds"].as_array().unwrap().len()
        ),
        (Some("refunded"), 2)
    );
    assert_eq!(refund(json!({})).await.status(), 400, "nothing left");
    assert!(
        eventually(Duration::from_secs(5), || async {
            hooks.received_requests().await.unwrap().len() >= 3
        })
        .await,
        "payment.created, then one payment.updated per refund"
    );
}

#[tokio::test]
async fn a_pending_ticket_can_be_approved_after_its_date_of_expiration() {
    let sb = brazil().await;
    let past = minutes_ago(60);
    let boleto = json!({"transaction_amount": 80, "payment_method_id": "bolbradesco", "date_of_expiration": past,
        "payer": {"email": "b@example.com", "first_name": "Ana", "last_name": "Silva",
                  "identification": {"type": "CPF", "number": "12345678909"}}});
    let (status, p) = post_payment(&sb, &boleto, "key-late").await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let res = client()
        .post(format!(
            "{}/sandbox/control/payments/{id}/approve",
            sb.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        (p["status"].as_str(), p["status_detail"].as_str()),
        (Some("approved"), Some("accredited"))
    );
}

#[tokio::test]
async fn a_voucher_made_overdue_stays_pending_and_can_still_be_paid() {
    let sb = brazil().await;
    let boleto = json!({"transaction_amount": 80, "payment_method_id": "bolbradesco",
        "payer": {"email": "b@example.com", "first_name": "Ana", "last_name": "Silva",
                  "identification": {"type": "CPF", "number": "12345678909"}}});
    let (status, p) = post_payment(&sb, &boleto, "key-overdue").await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let act = |action: &'static str| {
        client()
            .post(format!(
                "{}/sandbox/control/payments/{id}/{action}",
                sb.base_url
            ))
            .send()
    };
    let overdue: Value = act("overdue").await.unwrap().json().await.unwrap();
    assert_eq!(overdue["status"], "pending");
    let due = time::OffsetDateTime::parse(
        overdue["date_of_expiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(due < time::OffsetDateTime::now_utc(), "its date is past");
    assert_eq!(
        act("approve").await.unwrap().status(),
        200,
        "paid late all the same"
    );
    assert_eq!(
        act("overdue").await.unwrap().status(),
        400,
        "only a pending one"
    );
}

/// `minutes` ago, as Mercado Pago writes dates.
fn minutes_ago(minutes: i64) -> String {
    let t = time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn in_minutes(minutes: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

async fn preference(sb: &RunningSandbox, extra: Value) -> Value {
    let mut body = json!({"items": [{"title": "Mug", "quantity": 2, "unit_price": 10.5, "currency_id": "BRL"}],
                          "external_reference": "order-pref"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let res = client()
        .post(format!("{}/checkout/preferences", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_expired_preference_is_refused_by_the_control_api_and_the_wallet_page() {
    let sb = brazil().await;
    let to = minutes_ago(5);
    let expired = preference(&sb, json!({"expires": true, "expiration_date_to": to})).await;
    let id = expired["id"].as_str().unwrap();
    let read: Value = client()
        .get(format!("{}/checkout/preferences/{id}", sb.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["expires"], true, "echoed");
    assert_eq!(read["expiration_date_to"], json!(to));
    let res = client()
        .post(format!(
            "{}/sandbox/control/preferences/{id}/pay",
            sb.base_url
        ))
        .json(&json!({"approve": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "preference_expired"
    );
    let page = client()
        .get(format!("{}/sandbox/checkout?pref_id={id}", sb.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let form = client()
        .post(format!("{}/sandbox/checkout", sb.base_url))
        .form(&[("pref_id", id), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400);
    assert!(payments(&sb).await.is_empty());

    let open = preference(
        &sb,
        json!({"expires": true, "expiration_date_from": minutes_ago(5),
                                      "expiration_date_to": in_minutes(30)}),
    )
    .await;
    let res = client()
        .post(format!(
            "{}/sandbox/control/preferences/{}/pay",
            sb.base_url,
            open["id"].as_str().unwrap()
        ))
        .json(&json!({"approve": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["transaction_amount"].to_string(), "21.00");
    let lax = preference(
        &sb,
        json!({"expires": false, "expiration_date_to": minutes_ago(5)}),
    )
    .await;
    let res = client()
        .post(format!(
            "{}/sandbox/control/preferences/{}/pay",
            sb.base_url,
            lax["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "dates only bind when expires is true");
}

#[tokio::test]
async fn pix_expiration_must_be_at_least_30_minutes_ahead() {
    let sb = brazil().await;
    let mut body = pix("order-pix");
    body["date_of_expiration"] = json!(in_minutes(29));
    let (status, refused) = post_payment(&sb, &body, "key-pix-29").await;
    assert_eq!((status, cause(&refused)), (400, 4020));
    body["date_of_expiration"] = json!(in_minutes(31));
    let (status, _) = post_payment(&sb, &body, "key-pix-31").await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_decisions() {
    let faults = Faults {
        seed: 42,
        rate_limit: 0.3,
        error_before_create: 0.2,
        ..Faults::default()
    };
    let mut runs = vec![];
    for _ in 0..2 {
        let sb = with_faults("MLB", faults.clone()).await;
        let mut statuses = vec![];
        for i in 0..30 {
            statuses.push(
                post_payment(&sb, &pix(&format!("o-{i}")), &format!("k-{i}"))
                    .await
                    .0,
            );
        }
        let kinds: Vec<String> = sb
            .sandbox
            .faults_log()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        runs.push((statuses, kinds));
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].0.contains(&429) && runs[0].0.contains(&201),
        "{:?}",
        runs[0].0
    );
}

#[tokio::test]
async fn the_configured_panel_url_serves_until_a_fault_setting_replaces_it() {
    let configured = receiver().await;
    let replacement = receiver().await;
    let mut config = mercadopago_sandbox::SandboxConfig::for_site("MLB", SECRET).unwrap();
    config.webhook_url = Some(format!("{}/hooks", configured.uri()));
    let sb = mercadopago_sandbox::start_standalone(config).await.unwrap();
    post_payment(&sb, &pix("order-a"), "key-a").await;
    put_faults(
        &sb,
        json!({"webhook_url": format!("{}/hooks", replacement.uri())}),
    )
    .await;
    post_payment(&sb, &pix("order-b"), "key-b").await;
    put_faults(&sb, json!({})).await;
    post_payment(&sb, &pix("order-c"), "key-c").await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            configured.received_requests().await.unwrap().len() >= 2
                && !replacement.received_requests().await.unwrap().is_empty()
        })
        .await
    );
    assert_eq!(replacement.received_requests().await.unwrap().len(), 1);
}
