//! Every (method, path) the official Mercado Pago SDKs call for payments, refunds, preferences,
//! card tokens, payment methods and identification types (the README's catalogue) is answered:
//! never a 404 or 405 from the router, whatever the status of the answer.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn every_sdk_route_is_answered() {
    let sb = brazil().await;
    let token = card_token(&sb, "APRO").await;
    let (_, payment) = post_payment(&sb, &card_payment(&token, "50"), "catalogue-pay").await;
    let payment_id = payment["id"].to_string();
    let refund: Value = client()
        .post(format!("{}/v1/payments/{payment_id}/refunds", sb.base_url))
        .bearer_auth(TOKEN)
        .header("X-Idempotency-Key", "catalogue-refund")
        .json(&json!({"amount": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refund_id = refund["id"].to_string();
    let preference: Value = client()
        .post(format!("{}/checkout/preferences", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": [{"title": "Mug", "quantity": 1, "unit_price": 10}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let preference_id = preference["id"].as_str().unwrap().to_string();
    let fresh_token = card_token(&sb, "APRO").await;

    let item = json!({"items": [{"title": "Mug", "quantity": 1, "unit_price": 10}]});
    let card = json!({"card_number": "5031433215406351", "expiration_month": 11, "expiration_year": 2030,
                      "security_code": "123", "cardholder": {"name": "APRO"}});
    let table: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            "/v1/payments".into(),
            Some(card_payment(&fresh_token, "20")),
        ),
        (
            "GET",
            "/v1/payments/search?external_reference=order-1".into(),
            None,
        ),
        ("GET", format!("/v1/payments/{payment_id}"), None),
        (
            "PUT",
            format!("/v1/payments/{payment_id}"),
            Some(json!({"metadata": {}})),
        ),
        (
            "POST",
            format!("/v1/payments/{payment_id}/refunds"),
            Some(json!({"amount": 1})),
        ),
        ("GET", format!("/v1/payments/{payment_id}/refunds"), None),
        (
            "GET",
            format!("/v1/payments/{payment_id}/refunds/{refund_id}"),
            None,
        ),
        ("POST", "/checkout/preferences".into(), Some(item.clone())),
        (
            "GET",
            format!("/checkout/preferences/{preference_id}"),
            None,
        ),
        (
            "PUT",
            format!("/checkout/preferences/{preference_id}"),
            Some(json!({"external_reference": "x"})),
        ),
        ("GET", "/checkout/preferences/search".into(), None),
        ("POST", "/v1/card_tokens".into(), Some(card)),
        ("GET", format!("/v1/card_tokens/{token}"), None),
        ("GET", "/v1/payment_methods".into(), None),
        ("GET", "/v1/identification_types".into(), None),
        ("GET", "/users/me".into(), None),
    ];
    for (i, (verb, path, body)) in table.into_iter().enumerate() {
        let url = format!("{}{path}", sb.base_url);
        let mut req = client()
            .request(verb.parse().unwrap(), &url)
            .bearer_auth(TOKEN)
            .header("X-Idempotency-Key", format!("catalogue-{i}"));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert!(
            !matches!(status, 404 | 405),
            "{verb} {path}: {status} {text}"
        );
        assert!(status < 500, "{verb} {path}: {status} {text}");
        if verb == "GET" {
            assert_eq!(status, 200, "{verb} {path}: {text}");
        }
    }
}

#[tokio::test]
async fn preferences_can_be_updated_and_searched_like_the_sdks_do() {
    let sb = brazil().await;
    let created: Value = client()
        .post(format!("{}/checkout/preferences", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": [{"title": "Mug", "quantity": 1, "unit_price": 10}], "external_reference": "ref-a"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let updated: Value = client()
        .put(format!("{}/checkout/preferences/{id}", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"external_reference": "ref-b", "id": "ignored"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["id"], id, "the id stays");
    assert_eq!(updated["external_reference"], "ref-b");
    let found: Value = client()
        .get(format!(
            "{}/checkout/preferences/search?external_reference=ref-b",
            sb.base_url
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["elements"][0]["id"], id);
    let bad = client()
        .put(format!("{}/checkout/preferences/{id}", sb.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "an update is validated like a creation");
}
