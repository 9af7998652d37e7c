use common::{
    approving_checkout, attr, spawn_app, spawn_with, Options, ACCESS_TOKEN, PUBLIC_KEY,
    WEBHOOK_SECRET,
};

#[tokio::test]
async fn brick_is_initialized_with_the_orders_amount_key_and_locale() {
    let app = spawn_app().await;
    let checkout = app.start_checkout().await;
    let total: i64 = sqlx::query_scalar("select total_minor from orders where id = $1::uuid")
        .bind(&checkout.order_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(total, 2 * 4990 + 5900);
    assert_eq!(checkout.amount, "158.80");
    assert_eq!(
        attr(&checkout.html, "data-public-key=\"").unwrap(),
        PUBLIC_KEY
    );
    assert_eq!(attr(&checkout.html, "data-locale=\"").unwrap(), "pt-BR");
    assert!(checkout
        .html
        .contains(r#"<script src="https://sdk.mercadopago.com/js/v2"></script>"#));
    assert!(checkout
        .html
        .contains(r#"<script src="/static/checkout.js"></script>"#));
    let methods = attr(&checkout.html, "data-payment-methods=\"")
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&#34;", "\"");
    let methods: serde_json::Value = serde_json::from_str(&methods).unwrap();
    assert_eq!(methods["maxInstallments"], 12);
}

#[tokio::test]
async fn colombian_checkout_amount_has_no_decimals() {
    let app = spawn_with(Options::default().site("MCO")).await;
    let checkout = app.start_checkout().await;
    assert_eq!(checkout.amount, (2 * 45900 + 59000).to_string());
    assert_eq!(attr(&checkout.html, "data-locale=\"").unwrap(), "es-CO");
}

#[tokio::test]
async fn unchanged_cart_reuses_its_order_and_a_changed_one_gets_a_new_one() {
    let app = spawn_app().await;
    let first = app.start_checkout().await;
    let again = app.open_checkout().await;
    assert_eq!(first.order_id, again.order_id);
    app.assert_count("select count(*) from orders", 1).await;

    let ids = app.product_ids().await;
    app.add_to_cart(ids[2], 1).await;
    let changed = app.open_checkout().await;
    assert_ne!(changed.order_id, first.order_id);
    assert_eq!(changed.amount, "193.30");
}

#[tokio::test]
async fn empty_cart_goes_back_to_the_cart() {
    let app = spawn_app().await;
    let res = app.get("/checkout").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/cart");
}

#[tokio::test]
async fn no_page_ever_shows_a_secret() {
    let (app, checkout) = approving_checkout().await;
    let mut pages = vec![
        app.get_html("/").await,
        app.get_html("/cart").await,
        checkout.html.clone(),
    ];
    app.pay(&checkout.csrf, &checkout.card()).await;
    pages.push(app.order_page(&checkout.order_id).await);
    pages.push(app.get("/nowhere").await.text().await.unwrap());
    pages.push(app.get("/static/checkout.js").await.text().await.unwrap());
    for page in pages {
        for secret in [ACCESS_TOKEN, WEBHOOK_SECRET, common::SESSION_KEY] {
            assert!(!page.contains(secret));
        }
    }
}

#[tokio::test]
async fn static_files_are_served_by_name_and_nothing_else_is() {
    let app = spawn_app().await;
    for (path, content_type) in [
        ("/static/checkout.js", "application/javascript"),
        ("/static/result.js", "application/javascript"),
        ("/static/status-screen.js", "application/javascript"),
        ("/static/style.css", "text/css"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(content_type));
        assert!(!res.text().await.unwrap().is_empty(), "{path}");
    }
    for path in ["/static/missing.js", "/static/..%2FCargo.toml"] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}
