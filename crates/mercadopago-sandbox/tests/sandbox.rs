//! The emulator, black-box over HTTP on its own port: it must answer like Mercado Pago.

mod common;

use std::time::Duration;

use common::*;
use mercadopago_sandbox::SandboxConfig;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn every_test_cardholder_name_gives_its_documented_outcome() {
    let sb = brazil().await;
    let expected = [
        ("APRO", "approved", "accredited"),
        ("CONT", "in_process", "pending_contingency"),
        ("OTHE", "rejected", "cc_rejected_other_reason"),
        ("CALL", "rejected", "cc_rejected_call_for_authorize"),
        ("FUND", "rejected", "cc_rejected_insufficient_amount"),
        ("SECU", "rejected", "cc_rejected_bad_filled_security_code"),
        ("EXPI", "rejected", "cc_rejected_bad_filled_date"),
        ("FORM", "rejected", "cc_rejected_bad_filled_other"),
        ("CARD", "rejected", "cc_rejected_bad_filled_card_number"),
        ("INST", "rejected", "cc_rejected_invalid_installments"),
        ("DUPL", "rejected", "cc_rejected_duplicated_payment"),
        ("LOCK", "rejected", "cc_rejected_card_disabled"),
        ("CTNA", "rejected", "cc_rejected_card_type_not_allowed"),
        ("ATTE", "rejected", "cc_rejected_max_attempts"),
        ("BLAC", "rejected", "cc_rejected_blacklist"),
        ("UNSU", "rejected", "cc_rejected_other_reason"),
        ("TEST", "approved", "accredited"),
        // Its issuer requires 3-D Secure, which this payment does not offer.
        ("CHAL", "rejected", "cc_rejected_3ds_mandatory"),
    ];
    assert_eq!(
        expected.len(),
        mercadopago_sandbox::cards::TEST_NAMES.len(),
        "every documented name"
    );
    for (i, (name, status, detail)) in expected.iter().enumerate() {
        let token = card_token(&sb, name).await;
        let (code, p) = post_payment(&sb, &card_payment(&token, "100.50"), &format!("k-{i}")).await;
        assert_eq!(code, 201, "{name}: rejected payments are 201 too");
        assert_eq!(
            (
                p["status"].as_str().unwrap(),
                p["status_detail"].as_str().unwrap()
            ),
            (*status, *detail),
            "{name}"
        );
        assert!(p["id"].as_i64().unwrap() > 1_000_000_000);
        assert_eq!(p["transaction_amount"].to_string(), "100.50");
        assert_eq!(p["currency_id"], "BRL");
        assert_eq!(p["payment_type_id"], "credit_card");
        assert_eq!(p["live_mode"], false);
        assert_eq!(p["card"]["last_four_digits"], "6351");
        assert!(p["date_created"].as_str().unwrap().ends_with("-04:00"));
    }
}

#[tokio::test]
async fn reused_and_unknown_card_tokens_get_mercado_pagos_errors() {
    let sb = brazil().await;
    let token = card_token(&sb, "APRO").await;
    let (code, _) = post_payment(&sb, &card_payment(&token, "10"), "a").await;
    assert_eq!(code, 201);
    let (code, body) = post_payment(&sb, &card_payment(&token, "10"), "b").await;
    assert_eq!((code, cause(&body)), (400, 3003));
    assert_eq!(body["error"], "bad_request");
    let (code, body) = post_payment(
        &sb,
        &card_payment("0123456789abcdef0123456789abcdef", "10"),
        "c",
    )
    .await;
    assert_eq!((code, cause(&body)), (400, 2006));
}

#[tokio::test]
async fn an_idempotency_key_replays_its_payment_and_refuses_another_body() {
    let sb = brazil().await;
    let token = card_token(&sb, "APRO").await;
    let body = card_payment(&token, "10");
    let (_, first) = post_payment(&sb, &body, "same-key").await;
    let (code, again) = post_payment(&sb, &body, "same-key").await;
    assert_eq!(code, 201);
    assert_eq!(first["id"], again["id"]);
    let mut other = body.clone();
    other["transaction_amount"] = json!(11);
    let (code, conflict) = post_payment(&sb, &other, "same-key").await;
    assert_eq!(code, 409);
    assert!(conflict["message"].as_str().is_some() && conflict["cause"].is_array());
}

#[tokio::test]
async fn credentials_are_checked_like_mercado_pago() {
    let sb = brazil().await;
    let url = format!("{}/v1/payments/1", sb.base_url);
    let missing: Value = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(missing["status"], 401);
    assert_eq!(missing["error"], "unauthorized");
    assert_eq!(
        missing["message"],
        "Must provide your access_token to proceed"
    );
    assert_eq!(cause(&missing), 5);
    let res = client()
        .get(&url)
        .bearer_auth("APP_USR-live")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = client().get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(cause(&body), 2000);
}

#[tokio::test]
async fn amounts_respect_the_currencys_decimals() {
    let chile = sandbox("MLC").await;
    let token = card_token(&chile, "APRO").await;
    let (code, body) = post_payment(&chile, &card_payment(&token, "12990.5"), "x").await;
    assert_eq!((code, cause(&body)), (400, 2072));
    let mut whole = card_payment(&token, "12990");
    // A Chilean document: the emulator refuses a type of another site, as Mercado Pago does.
    whole["payer"]["identification"] = json!({"type": "RUT", "number": "123456789"});
    let (code, p) = post_payment(&chile, &whole, "y").await;
    assert_eq!(code, 201);
    assert_eq!(p["transaction_amount"].to_string(), "12990");
    let brazil = brazil().await;
    let token = card_token(&brazil, "APRO").await;
    let (code, _) = post_payment(&brazil, &card_payment(&token, "10.001"), "z").await;
    assert_eq!(code, 400);
    let (code, _) = post_payment(&brazil, &card_payment(&token, "-1"), "w").await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn pix_and_boleto_look_like_mercado_pagos() {
    let sb = brazil().await;
    let pix = json!({"transaction_amount": 25.5, "payment_method_id": "pix", "payer": {"email": "b@example.com"}});
    let (code, p) = post_payment(&sb, &pix, "pix").await;
    assert_eq!(code, 201);
    assert_eq!(
        (p["status"].as_str(), p["status_detail"].as_str()),
        (Some("pending"), Some("pending_waiting_transfer"))
    );
    assert_eq!(p["payment_type_id"], "bank_transfer");
    assert_eq!(p["point_of_interaction"]["type"], "PIX");
    let data = &p["point_of_interaction"]["transaction_data"];
    assert!(data["qr_code"].as_str().unwrap().starts_with("000201"));
    assert!(
        data["qr_code_base64"]
            .as_str()
            .unwrap()
            .starts_with("iVBOR"),
        "a PNG"
    );
    assert!(p["date_of_expiration"].is_string());

    let boleto = json!({"transaction_amount": 25.5, "payment_method_id": "bolbradesco",
        "payer": {"email": "b@example.com", "first_name": "Ana", "last_name": "Silva",
                  "identification": {"type": "CPF", "number": "19119119100"},
                  "address": {"zip_code": "06233200", "street_name": "Av", "street_number": "1", "neighborhood": "B", "city": "Osasco", "federal_unit": "SP"}}});
    let (code, p) = post_payment(&sb, &boleto, "boleto").await;
    assert_eq!(code, 201);
    assert_eq!(
        (p["status"].as_str(), p["status_detail"].as_str()),
        (Some("pending"), Some("pending_waiting_payment"))
    );
    assert!(p["barcode"]["content"].as_str().is_some());
    let voucher = p["transaction_details"]["external_resource_url"]
        .as_str()
        .unwrap();
    assert!(voucher.starts_with(&sb.base_url), "{voucher}");
    assert_eq!(client().get(voucher).send().await.unwrap().status(), 200);
    let (code, body) = post_payment(&sb, &json!({"transaction_amount": 5, "payment_method_id": "oxxo", "payer": {"email": "b@example.com"}}), "oxxo").await;
    assert_eq!(
        (code, cause(&body)),
        (400, 3011),
        "a method of another site"
    );
}

#[tokio::test]
async fn search_cancel_capture_and_refunds_follow_the_rules() {
    let sb = brazil().await;
    let approved = {
        let token = card_token(&sb, "APRO").await;
        post_payment(&sb, &card_payment(&token, "100"), "p1")
            .await
            .1
    };
    let id = approved["id"].as_i64().unwrap();
    let found: Value = client()
        .get(format!(
            "{}/v1/payments/search?external_reference=order-1",
            sb.base_url
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["paging"]["total"], 1);
    assert_eq!(found["results"][0]["id"], id);

    let put = |id: i64, body: Value| {
        client()
            .put(format!("{}/v1/payments/{id}", sb.base_url))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };
    assert_eq!(
        put(id, json!({"status": "cancelled"}))
            .await
            .unwrap()
            .status(),
        400,
        "approved can't be cancelled"
    );

    let refund = |amount: Option<&str>, key: &str| {
        let body = match amount {
            Some(a) => json!({"amount": a.parse::<serde_json::Number>().unwrap()}),
            None => json!({}),
        };
        client()
            .post(format!("{}/v1/payments/{id}/refunds", sb.base_url))
            .bearer_auth(TOKEN)
            .header("X-Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let no_key = client()
        .post(format!("{}/v1/payments/{id}/refunds", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 400);
    assert_eq!(cause(&no_key.json().await.unwrap()), 4292);
    assert_eq!(refund(Some("30"), "r1").await.unwrap().status(), 201);
    assert_eq!(
        refund(Some("30"), "r1").await.unwrap().status(),
        201,
        "replayed, not refunded twice"
    );
    let p = sb.sandbox.payment(id).unwrap();
    assert_eq!(
        (p["status"].as_str(), p["status_detail"].as_str()),
        (Some("approved"), Some("partially_refunded"))
    );
    assert_eq!(p["transaction_amount_refunded"].to_string(), "30.00");
    assert_eq!(
        refund(Some("70.01"), "r2").await.unwrap().status(),
        400,
        "above what remains"
    );
    assert_eq!(refund(Some("0"), "r3").await.unwrap().status(), 400);
    assert_eq!(refund(None, "r4").await.unwrap().status(), 201);
    let p = sb.sandbox.payment(id).unwrap();
    assert_eq!(
        (p["status"].as_str(), p["status_detail"].as_str()),
        (Some("refunded"), Some("refunded"))
    );
    assert_eq!(p["refunds"].as_array().unwrap().len(), 2);
    assert_eq!(
        refund(Some("1"), "r5").await.unwrap().status(),
        400,
        "refunded is final"
    );

    let pending = post_payment(&sb, &json!({"transaction_amount": 9, "payment_method_id": "pix", "payer": {"email": "b@example.com"}}), "p2").await.1;
    let res = put(
        pending["id"].as_i64().unwrap(),
        json!({"status": "cancelled"}),
    )
    .await
    .unwrap();
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!(
        (
            cancelled["status"].as_str(),
            cancelled["status_detail"].as_str()
        ),
        (Some("cancelled"), Some("by_collector"))
    );

    let mut authorize = card_payment(&card_token(&sb, "APRO").await, "50");
    authorize["capture"] = json!(false);
    let held = post_payment(&sb, &authorize, "p3").await.1;
    assert_eq!(
        (held["status"].as_str(), held["status_detail"].as_str()),
        (Some("authorized"), Some("pending_capture"))
    );
    let captured: Value = put(held["id"].as_i64().unwrap(), json!({"capture": true}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(captured["status"], "approved");
}

#[tokio::test]
async fn preferences_are_created_read_and_paid() {
    let sb = brazil().await;
    let res = client()
        .post(format!("{}/checkout/preferences", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": [{"id": "1", "title": "Mug", "quantity": 2, "unit_price": 59.9}], "external_reference": "order-9",
                      "back_urls": {"success": "http://shop/ok", "failure": "http://shop/ko", "pending": "http://shop/wait"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let pref: Value = res.json().await.unwrap();
    let id = pref["id"].as_str().unwrap();
    assert!(id.starts_with("1234567890-"));
    assert!(pref["init_point"].as_str().unwrap().contains("pref_id="));
    let read = client()
        .get(format!("{}/checkout/preferences/{id}", sb.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let bad = client()
        .post(format!("{}/checkout/preferences", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": [{"title": "x", "quantity": 1, "unit_price": 1}], "payment_methods": {"installments": 48}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let paid: Value = client()
        .post(format!(
            "{}/sandbox/control/preferences/{id}/pay",
            sb.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["status"], "approved");
    assert_eq!(paid["external_reference"], "order-9");
    assert_eq!(paid["transaction_amount"].to_string(), "119.80");
}

#[tokio::test]
async fn webhooks_are_signed_with_the_documented_manifest_and_retried_until_acknowledged() {
    let sb = brazil().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let pix = json!({"transaction_amount": 25.5, "payment_method_id": "pix", "payer": {"email": "b@example.com"},
                     "notification_url": format!("{}/webhooks/mercadopago", receiver.uri())});
    let (_, p) = post_payment(&sb, &pix, "hook").await;
    let id = p["id"].as_i64().unwrap();
    let approved = client()
        .post(format!(
            "{}/sandbox/control/payments/{id}/approve",
            sb.base_url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let read: Value = client()
        .get(format!("{}/v1/payments/{id}", sb.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["status"], "approved",
        "reads agree with the control API"
    );

    // payment.created: refused once then acknowledged; payment.updated: acknowledged.
    let mut seen = vec![];
    for _ in 0..60 {
        seen = receiver.received_requests().await.unwrap();
        if seen.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.len() >= 3, "retried after a 500: {}", seen.len());
    let rid = |r: &wiremock::Request| {
        r.headers
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    let retried: Vec<_> = seen.iter().filter(|r| rid(r) == rid(&seen[0])).collect();
    assert_eq!(retried.len(), 2, "the refused delivery came again");
    assert_eq!(
        retried[1].body, retried[0].body,
        "a retry carries the byte-identical body"
    );
    assert_eq!(retried[1].headers.get("x-retry").unwrap(), "1");
    for req in &seen {
        assert_eq!(
            req.url.query(),
            Some(format!("data.id={id}&type=payment").as_str())
        );
        let data_id = id.to_string();
        let ts = valid_signature(req, &data_id, SECRET).expect("signed with the secret");
        assert!(valid_signature(req, &data_id, "other-secret").is_none());
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
        assert!(
            (now_ms - ts).abs() < 60_000,
            "ts is the time of sending, in ms"
        );
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["type"], "payment");
        assert_eq!(body["data"]["id"], data_id, "data.id is a string");
    }
    let deliveries = control(&sb, "deliveries").await;
    assert!(deliveries
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["acknowledged"] == true));
}

#[tokio::test]
async fn the_browser_pages_render_and_pay() {
    let sb = brazil().await;
    let js = client()
        .get(format!("{}/js/v2", sb.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("MercadoPago"));

    let preference: Value = client()
        .post(format!("{}/checkout/preferences", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": [{"title": "Caneca <azul>", "quantity": 2, "unit_price": 10.5}],
                      "external_reference": "order-w", "back_urls": {"success": "http://store.test/return"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let init_point = preference["init_point"].as_str().unwrap();
    let page = client().get(init_point).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Sandbox: no real money moves"));
    assert!(html.contains("21.00 BRL"), "{html}");
    assert!(
        html.contains("Caneca &#60;azul&#62;") || html.contains("Caneca &lt;azul&gt;"),
        "escaped: {html}"
    );
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let paid = no_redirect
        .post(format!("{}/sandbox/checkout", sb.base_url))
        .form(&[
            ("pref_id", preference["id"].as_str().unwrap()),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);
    let back = paid.headers().get("location").unwrap().to_str().unwrap();
    assert!(
        back.starts_with("http://store.test/return?collection_id="),
        "{back}"
    );
    assert!(back.contains("status=approved") && back.contains("external_reference=order-w"));

    let boleto = json!({"transaction_amount": 80, "payment_method_id": "bolbradesco",
        "payer": {"email": "b@example.com", "first_name": "Ana", "last_name": "Silva",
                  "identification": {"type": "CPF", "number": "12345678909"}}});
    let (_, p) = post_payment(&sb, &boleto, "voucher").await;
    let url = p["transaction_details"]["external_resource_url"]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with(&format!("{}/sandbox/voucher/", sb.base_url)),
        "{url}"
    );
    let voucher = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(voucher.contains("voucher-pay"));
    let pay = no_redirect.post(url).send().await.unwrap();
    assert_eq!(pay.status(), 303);
    let id = p["id"].as_i64().unwrap();
    assert_eq!(sb.sandbox.payment(id).unwrap()["status"], "approved");
}

#[tokio::test]
async fn a_document_type_outside_the_sites_list_is_refused() {
    let sb = brazil().await;
    let token = card_token(&sb, "APRO").await;
    let mut body = card_payment(&token, "10");
    body["payer"]["identification"] = json!({"type": "RG", "number": "123456789"});
    let (code, answer) = post_payment(&sb, &body, "rg").await;
    assert_eq!((code, cause(&answer)), (400, 2067), "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("identification type"));
    body["payer"]["identification"] = json!({"type": "cpf", "number": "12345678909"});
    let (code, _) = post_payment(&sb, &body, "cpf").await;
    assert_eq!(code, 201, "the type's case does not matter");
}

#[tokio::test]
async fn each_payment_creation_reports_its_own_answer_time_by_key() {
    let mut config = SandboxConfig::for_site("MLB", SECRET).unwrap();
    config.response_delay = Duration::from_millis(50);
    let sb = mercadopago_sandbox::start_standalone(config).await.unwrap();
    let token = card_token(&sb, "APRO").await;
    post_payment(&sb, &card_payment(&token, "10"), "checkout-timed-1").await;
    let times = control(&sb, "answer_times").await;
    let times = times.as_array().unwrap();
    assert_eq!(times.len(), 1, "{times:?}");
    assert_eq!(times[0]["idempotency_key"], "checkout-timed-1");
    // The configured delay is part of the emulator's own time.
    let micros = times[0]["micros"].as_u64().unwrap();
    assert!((50_000..5_000_000).contains(&micros), "{micros}");
}
