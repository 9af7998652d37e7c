use common::{spawn_app, spawn_with, Options};

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_strict_csp() {
    let app = spawn_app().await;
    for path in ["/", "/cart", "/healthz", "/nowhere"] {
        let res = app.get(path).await;
        let id = res
            .headers()
            .get("x-request-id")
            .expect("request id header");
        assert!(!id.is_empty());
        let csp = res.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"));
        assert!(csp.contains("script-src 'self' https://sdk.mercadopago.com"));
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "no inline scripts");
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_secure_behind_https() {
    let app = spawn_with(Options::default().base_url("https://shop.example.com")).await;
    let res = app.get("/").await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("checkout_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Secure"), "APP_BASE_URL is https: {cookie}");

    let plain = spawn_app().await;
    let cookie = plain.get("/").await.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        !cookie.contains("Secure"),
        "plain http (a local sandbox) cannot keep a Secure cookie"
    );
}

#[tokio::test]
async fn session_id_is_renewed_when_an_order_is_placed() {
    let app = spawn_app().await;
    let ids = app.product_ids().await;
    app.add_to_cart(ids[0], 1).await;
    let res = app.get("/checkout").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("set-cookie").is_some(),
        "a new session cookie with the order"
    );
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
}
