use serde_json::Value;

use common::{
    attr, browser, html_of, send_json, spawn_with_admin, text_of, Options, TestApp, ADMIN_EMAIL,
    ADMIN_PASSWORD,
};

#[tokio::test]
async fn no_admin_page_or_action_without_signing_in() {
    let app = spawn_with_admin(Options::default()).await;
    let order = "6f1c2a52-3c3e-4a57-9c39-5b4a0c8f0e11";
    let stranger = browser();
    for path in [
        "/admin",
        "/admin/orders",
        "/admin/orders.csv",
        &format!("/admin/orders/{order}"),
        "/admin/products",
        "/admin/products/1",
    ] {
        let res = stranger.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "GET {path}");
        assert_eq!(res.headers()["location"], "/admin/login", "GET {path}");
    }
    for path in [
        "/admin/logout".to_string(),
        format!("/admin/orders/{order}/refund"),
        format!("/admin/orders/{order}/cancel"),
        "/admin/products".to_string(),
        "/admin/products/1".to_string(),
    ] {
        let res = stranger
            .post(app.url(&path))
            .form(&[("csrf_token", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "POST {path}");
    }
    // A shopper's session is not a merchant's.
    app.get_html("/").await;
    assert_eq!(app.get("/admin/orders").await.status(), 303);
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_rate_limited() {
    let app = spawn_with_admin(Options::default()).await;
    for _ in 0..5 {
        let res = app
            .sign_in_with(&browser(), ADMIN_EMAIL, "wrong password guess")
            .await;
        assert_eq!(res.status(), 401);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("E-mail ou senha incorretos"));
    }
    let res = app
        .sign_in_with(&browser(), ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        res.status(),
        429,
        "even the right password waits after repeated failures"
    );
    let res = app
        .sign_in_with(&browser(), "nobody@example.com", ADMIN_PASSWORD)
        .await;
    assert_eq!(res.status(), 429, "limited per address too");
}

#[tokio::test]
async fn posts_without_the_forms_token_are_refused() {
    let app = spawn_with_admin(Options::default()).await;
    // Sign-in itself: a cross-site form has no token cookie.
    let res = browser()
        .post(app.url("/admin/login"))
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let admin = app.admin().await;
    let before = app.count("select count(*) from products").await;
    let forged = [
        ("csrf_token", "forged"),
        ("name", "Evil"),
        ("price", "1.00"),
    ];
    let res = admin
        .post(app.url("/admin/products"))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = admin
        .post(app.url("/admin/products"))
        .form(&[("name", "Evil"), ("price", "1.00")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.count("select count(*) from products").await, before);
}

async fn refund(
    app: &TestApp,
    admin: &reqwest::Client,
    order: &str,
    amount: &str,
    key: Option<&str>,
) -> reqwest::Response {
    let page = html_of(admin, app.url(&format!("/admin/orders/{order}"))).await;
    let csrf = attr(&page, "name=\"csrf_token\" value=\"").unwrap();
    let form_key = attr(&page, "name=\"refund_key\" value=\"").unwrap();
    admin
        .post(app.url(&format!("/admin/orders/{order}/refund")))
        .form(&[
            ("csrf_token", csrf),
            ("refund_key", key.map(String::from).unwrap_or(form_key)),
            ("amount", amount.to_string()),
        ])
        .send()
        .await
        .unwrap()
}

async fn refund_calls(app: &TestApp) -> usize {
    let all = app.sandbox_requests().await;
    all.iter()
        .filter(|r| r["path"].as_str().unwrap_or("").ends_with("/refunds"))
        .count()
}

#[tokio::test]
async fn partial_and_full_refunds_follow_mercado_pago_and_refuse_too_much() {
    let app = spawn_with_admin(Options::default().sandbox()).await;
    let checkout = app.start_checkout().await;
    let card = app.sandbox_card(&checkout.amount, "APRO").await;
    let paid: Value = app.pay(&checkout.csrf, &card).await.json().await.unwrap();
    let payment = paid["payment_id"].as_i64().unwrap();
    let admin = app.admin().await;
    let order = checkout.order_id.as_str();

    // Too much: refused with a clear message, Mercado Pago never asked.
    let res = refund(&app, &admin, order, "158.81", None).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("maior que o que resta"));
    assert_eq!(refund_calls(&app).await, 0);

    // Two partial refunds; the second submitted twice with the same form.
    assert_eq!(
        refund(&app, &admin, order, "30.00", None).await.status(),
        303
    );
    assert_eq!(app.order_status(order).await, "partially_refunded");
    let key = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        refund(&app, &admin, order, "20,00", Some(&key))
            .await
            .status(),
        303
    );
    assert_eq!(
        refund(&app, &admin, order, "20,00", Some(&key))
            .await
            .status(),
        303
    );
    assert_eq!(refund_calls(&app).await, 2, "a double submit refunds once");
    let remaining = attr(
        &html_of(&admin, app.url(&format!("/admin/orders/{order}"))).await,
        "id=\"remaining\">",
    )
    .unwrap_or_default();
    let page = html_of(&admin, app.url(&format!("/admin/orders/{order}"))).await;
    assert!(
        page.contains("R$ 108,80"),
        "158.80 - 30 - 20 remains: {remaining}"
    );

    // The rest, in full.
    assert_eq!(refund(&app, &admin, order, "", None).await.status(), 303);
    assert_eq!(app.order_status(order).await, "refunded");
    let url = app.url(&format!("/sandbox/mp/v1/payments/{payment}"));
    let read = send_json(app.client.get(url).bearer_auth("TEST-x")).await;
    assert_eq!(
        (read["status"].as_str(), read["status_detail"].as_str()),
        (Some("refunded"), Some("refunded"))
    );
    assert_eq!(read["refunds"].as_array().unwrap().len(), 3);
    let steps: Vec<String> = sqlx::query_scalar("select to_status from order_history order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        steps.ends_with(&["partially_refunded".to_string(), "refunded".to_string()]),
        "{steps:?}"
    );
    app.assert_count("select count(*) from refunds where state = 'done'", 3)
        .await;
}

#[tokio::test]
async fn editing_a_price_leaves_placed_orders_alone_and_replaces_an_open_one() {
    let app = spawn_with_admin(Options::default()).await;
    let checkout = app.start_checkout().await;
    let admin = app.admin().await;
    let ids = app.product_ids().await;
    let page = html_of(&admin, app.url(&format!("/admin/products/{}", ids[0]))).await;
    let csrf = attr(&page, "name=\"csrf_token\" value=\"").unwrap();
    let res = admin
        .post(app.url(&format!("/admin/products/{}", ids[0])))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Café especial 250 g"),
            ("price", "99,90"),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        app.get_html("/").await.contains("R$ 99,90"),
        "the catalog changed"
    );
    let total: i64 = sqlx::query_scalar("select total_minor from orders where id = $1::uuid")
        .bind(&checkout.order_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(total, 15880, "the order kept its price");
    // The shopper who comes back to the checkout is not charged yesterday's price: the open
    // order is replaced at today's, and the page says so.
    let again = app.open_checkout().await;
    assert_eq!(again.amount, "258.80");
    assert!(again.html.contains("class=\"notice\""));
    assert_eq!(app.order_status(&checkout.order_id).await, "cancelled");
}

#[tokio::test]
async fn orders_are_found_by_payer_email_and_exported() {
    let app = spawn_with_admin(Options::default().sandbox()).await;
    let checkout = app.start_checkout().await;
    let card = app.sandbox_card(&checkout.amount, "APRO").await;
    app.pay(&checkout.csrf, &card).await;
    let admin = app.admin().await;
    let found = html_of(
        &admin,
        app.url("/admin/orders?q=TEST_USER_123@testuser.com"),
    )
    .await;
    assert!(found.contains(&checkout.order_id));
    let none = html_of(&admin, app.url("/admin/orders?q=someone@else.com")).await;
    assert!(!none.contains(&checkout.order_id));
    let paid = html_of(&admin, app.url("/admin/orders?status=paid&site=MLB")).await;
    assert!(paid.contains(&checkout.order_id));
    // Statuses in the site's words (MLB: Portuguese), the filter keeping the one chosen.
    assert!(paid.contains(r#"<option value="paid" selected>Pago</option>"#));
    assert!(paid.contains(r#"<option value="charged_back">Estornado (chargeback)</option>"#));
    assert!(paid.contains(r#"<td data-status="paid">Pago</td>"#));
    let order = html_of(
        &admin,
        app.url(&format!("/admin/orders/{}", checkout.order_id)),
    )
    .await;
    assert!(
        order.contains(r#"data-status="approved">Aprovado "#),
        "{order}"
    );
    assert!(
        order.contains(" → Pago</td>"),
        "the history's statuses: {order}"
    );
    assert!(!html_of(&admin, app.url("/admin/orders?site=MLA"))
        .await
        .contains(&checkout.order_id));
    assert!(!html_of(&admin, app.url("/admin/orders?status=refunded"))
        .await
        .contains(&checkout.order_id));
    let today = time::OffsetDateTime::now_utc().date();
    let later = today + time::Duration::days(2);
    assert!(html_of(
        &admin,
        app.url(&format!(
            "/admin/orders?from={}&to={}",
            today - time::Duration::days(1),
            later
        ))
    )
    .await
    .contains(&checkout.order_id));
    assert!(
        !html_of(&admin, app.url(&format!("/admin/orders?from={later}")))
            .await
            .contains(&checkout.order_id)
    );
    let csv = text_of(&admin, app.url("/admin/orders.csv?status=paid")).await;
    assert!(csv.starts_with(
        "order_number,order_id,created_at,status,currency,total,payment_id,payer_email,"
    ));
    assert!(csv.contains(&format!("{},", checkout.order_id)) && csv.contains(",BRL,158.80,"));
    let dashboard = html_of(&admin, app.url("/admin")).await;
    assert!(dashboard.contains("R$ 158,80"), "paid today");
}

#[tokio::test]
async fn an_anomaly_marked_handled_leaves_the_dashboard_and_the_open_count() {
    let app = spawn_with_admin(Options::default()).await;
    let id: i64 = sqlx::query_scalar(
        "insert into anomalies (payment_id, kind, detail) values (987654, 'unknown_reference', 'a payment with no order') returning id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let open = || app.count("select count(*) from anomalies where resolved_at is null");
    let admin = app.admin().await;
    let page = html_of(&admin, app.url("/admin")).await;
    let button = format!("resolve-anomaly-{id}");
    assert!(page.contains(&button), "{page}");
    let csrf = attr(&page, "name=\"csrf_token\" value=\"").unwrap();
    let resolve = |token: String| {
        admin
            .post(app.url(&format!("/admin/anomalies/{id}/resolve")))
            .form(&[("csrf_token", token)])
            .send()
    };

    assert_eq!(resolve("forged".into()).await.unwrap().status(), 403);
    assert_eq!(open().await, 1, "a forged form changes nothing");
    let res = resolve(csrf.clone()).await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/admin");
    assert_eq!(open().await, 0);
    let by: Option<i64> = sqlx::query_scalar("select resolved_by from anomalies where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(by.is_some(), "who handled it is kept");
    assert!(!html_of(&admin, app.url("/admin")).await.contains(&button));
    assert_eq!(resolve(csrf).await.unwrap().status(), 404, "handled once");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("checkout_anomalies_open{kind=\"unknown_reference\"} 0"),
        "{metrics}"
    );
}
