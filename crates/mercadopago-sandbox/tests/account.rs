//! The account behind the credentials: `GET /users/me` with the access token, and the site of
//! a public key through `GET /v1/payment_methods/search?public_key=`.

mod common;

use common::*;
use serde_json::Value;

async fn get(url: String, bearer: Option<&str>) -> (u16, Value) {
    let mut req = client().get(url);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn users_me_names_the_account_of_the_configured_site() {
    let sb = sandbox("MLA").await;
    let (status, me) = get(format!("{}/users/me", sb.base_url), Some(TOKEN)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["site_id"], "MLA");
    assert_eq!(me["country_id"], "AR");
    assert!(me["id"].as_i64().is_some_and(|id| id > 0), "{me}");
    assert!(me["nickname"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(me["email"].as_str().is_some_and(|e| e.contains('@')));
    assert_eq!(
        me["id"].as_i64(),
        Some(mercadopago_sandbox::COLLECTOR_ID),
        "the seller of its payments"
    );
}

#[tokio::test]
async fn users_me_refuses_a_missing_or_production_token() {
    let sb = brazil().await;
    let (status, body) = get(format!("{}/users/me", sb.base_url), None).await;
    assert_eq!(status, 401);
    assert_eq!(body["cause"][0]["code"], 5, "{body}");
    let (status, body) = get(format!("{}/users/me", sb.base_url), Some("APP_USR-1-2-3-4")).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn a_public_key_tells_its_site_through_the_payment_methods_search() {
    let sb = sandbox("MCO").await;
    let (status, found) = get(
        format!(
            "{}/v1/payment_methods/search?public_key=TEST-pk",
            sb.base_url
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let results = found["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|m| m["site_id"] == "MCO"), "{found}");
    assert_eq!(found["paging"]["total"], results.len());
    let (status, _) = get(
        format!(
            "{}/v1/payment_methods/search?public_key=APP_USR-pk",
            sb.base_url
        ),
        None,
    )
    .await;
    assert_eq!(status, 401, "a production key is not the emulator's");
    let (status, _) = get(format!("{}/v1/payment_methods/search", sb.base_url), None).await;
    assert_eq!(status, 401, "neither key nor token");
}
