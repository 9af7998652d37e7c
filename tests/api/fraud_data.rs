//! What the payment carries for Mercado Pago's fraud scoring: the text on the card bill, the
//! shopper's address and names, each item's category and description, binary mode and the
//! 3-D Secure mode, and nothing of these that nobody gave.

use std::process::Command;

use serde_json::{json, Value};

use common::{csrf_of, html_of, spawn_with, text_of, Options, TestApp};

fn sandbox(env: Vec<(&'static str, String)>) -> Options {
    Options {
        env,
        ..Options::default().sandbox()
    }
}

/// The merchant signs in to the back office with a client of its own.
async fn merchant(app: &TestApp) -> reqwest::Client {
    app.create_admin().await;
    app.admin().await
}

/// Saves a product's form as the back office shows it, with this category.
async fn set_category(
    app: &TestApp,
    admin: &reqwest::Client,
    id: i64,
    category: &str,
) -> reqwest::Response {
    let csrf = csrf_of(&html_of(admin, app.url(&format!("/admin/products/{id}"))).await);
    let (name, description, price): (String, String, i64) =
        sqlx::query_as("select name, description, price_minor from products where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let price = format!("{},{:02}", price / 100, price % 100);
    admin
        .post(app.url(&format!("/admin/products/{id}")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", &name),
            ("description", &description),
            ("price", &price),
            ("category", category),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap()
}

/// Pays the cart by card at the emulator (as `client`, which may add headers) and returns
/// the body Mercado Pago received.
async fn pay_by_card(app: &TestApp, names: Option<(&str, &str)>, forwarded: Option<&str>) -> Value {
    let checkout = app.start_checkout().await;
    let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
    if let Some((first, last)) = names {
        card["formData"]["payer"]["first_name"] = first.into();
        card["formData"]["payer"]["last_name"] = last.into();
    }
    let mut req = app
        .client
        .post(app.url("/process_payment"))
        .header("X-CSRF-Token", &checkout.csrf)
        .json(&card);
    if let Some(xff) = forwarded {
        req = req.header("X-Forwarded-For", xff);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let answer: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "approved", "{answer}");
    last_post(app).await
}

async fn last_post(app: &TestApp) -> Value {
    app.sandbox_last_payment_body().await
}

#[tokio::test]
async fn a_card_payment_carries_what_the_merchant_and_the_shopper_gave() {
    let app = spawn_with(sandbox(vec![(
        "MP_STATEMENT_DESCRIPTOR",
        "LOJA DO ZE".into(),
    )]))
    .await;
    let admin = merchant(&app).await;
    let ids = app.product_ids().await;
    let res = set_category(&app, &admin, ids[0], "home").await;
    assert_eq!(res.status(), 303);
    let page = text_of(&admin, app.url(&format!("/admin/products/{}", ids[0]))).await;
    assert!(
        page.contains("<option value=\"home\" selected>"),
        "the form shows the saved category"
    );
    let list = text_of(&admin, app.url("/admin/products")).await;
    assert!(list.contains("Casa, jardim e eletrodomésticos"), "{list}");

    let sent = pay_by_card(&app, Some((" Ana ", "Souza")), None).await;
    assert_eq!(sent["statement_descriptor"], "LOJA DO ZE");
    assert_eq!(sent["additional_info"]["ip_address"], "127.0.0.1");
    assert_eq!(
        sent["additional_info"]["payer"],
        json!({"first_name": "Ana", "last_name": "Souza"})
    );
    assert_eq!(sent["payer"]["first_name"], "Ana");
    assert_eq!(sent["payer"]["last_name"], "Souza");
    let items = sent["additional_info"]["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], ids[0].to_string());
    assert_eq!(items[0]["category_id"], "home");
    assert_eq!(
        items[0]["description"],
        "Grãos torrados da semana, notas de chocolate."
    );
    assert!(
        items[1].get("category_id").is_none(),
        "no category chosen, none sent: {}",
        items[1]
    );
    assert_eq!(sent["three_d_secure_mode"], "optional");
    assert!(sent.get("binary_mode").is_none());
}

#[tokio::test]
async fn a_category_outside_mercado_pagos_list_is_refused_and_none_can_be_chosen_again() {
    let app = spawn_with(sandbox(vec![])).await;
    let admin = merchant(&app).await;
    let ids = app.product_ids().await;
    let res = set_category(&app, &admin, ids[0], "books").await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("não é uma categoria do Mercado Pago"),
        "the site's language (MLB): {page}"
    );
    let saved = |id: i64| {
        sqlx::query_scalar::<_, Option<String>>("select category_id from products where id = $1")
            .bind(id)
            .fetch_one(&app.pool)
    };
    assert_eq!(saved(ids[0]).await.unwrap(), None);
    assert_eq!(
        set_category(&app, &admin, ids[0], "fashion").await.status(),
        303
    );
    assert_eq!(saved(ids[0]).await.unwrap().as_deref(), Some("fashion"));
    assert_eq!(set_category(&app, &admin, ids[0], "").await.status(), 303);
    assert_eq!(saved(ids[0]).await.unwrap(), None);
}

#[tokio::test]
async fn nothing_is_sent_that_nobody_gave() {
    let app = spawn_with(sandbox(vec![])).await;
    let sent = pay_by_card(&app, None, None).await;
    for absent in ["statement_descriptor", "binary_mode"] {
        assert!(sent.get(absent).is_none(), "{absent}: {sent}");
    }
    assert!(sent["additional_info"].get("payer").is_none(), "{sent}");
    assert!(sent["payer"].get("first_name").is_none(), "{sent}");
    assert!(sent["payer"].get("last_name").is_none(), "{sent}");
    for item in sent["additional_info"]["items"].as_array().unwrap() {
        assert!(item.get("category_id").is_none(), "{item}");
    }
    assert_eq!(sent["three_d_secure_mode"], "optional");
}

#[tokio::test]
async fn without_3ds_no_mode_is_sent_and_binary_mode_false_is_sent_as_set() {
    let app = spawn_with(sandbox(vec![
        ("MP_THREE_DS", "not_supported".into()),
        ("MP_BINARY_MODE", "false".into()),
    ]))
    .await;
    let sent = pay_by_card(&app, None, None).await;
    assert!(sent.get("three_d_secure_mode").is_none(), "{sent}");
    assert_eq!(sent["binary_mode"], false);
}

#[tokio::test]
async fn the_shopper_address_is_a_forwarded_one_only_behind_a_trusted_proxy() {
    let app = spawn_with(sandbox(vec![("TRUSTED_PROXIES", "127.0.0.1/32".into())])).await;
    let sent = pay_by_card(&app, None, Some("203.0.113.9")).await;
    assert_eq!(sent["additional_info"]["ip_address"], "203.0.113.9");

    let app = spawn_with(sandbox(vec![])).await;
    let sent = pay_by_card(&app, None, Some("203.0.113.9")).await;
    assert_eq!(
        sent["additional_info"]["ip_address"], "127.0.0.1",
        "anyone can write the header: it counts only from a trusted proxy"
    );
}

#[tokio::test]
async fn a_pix_payment_carries_the_address_and_names_but_no_3ds_mode() {
    let app = spawn_with(sandbox(vec![])).await;
    let checkout = app.start_checkout().await;
    let pix = json!({"selectedPaymentMethod": "bank_transfer", "formData": {
        "payment_method_id": "pix",
        "transaction_amount": checkout.amount.parse::<serde_json::Number>().unwrap(),
        "payer": {"email": "test_user_123@testuser.com", "first_name": "Ana", "last_name": "Souza",
                  "identification": {"type": "CPF", "number": "19119119100"}}}});
    let res = app.pay(&checkout.csrf, &pix).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let sent = last_post(&app).await;
    assert_eq!(sent["payment_method_id"], "pix");
    assert_eq!(sent["additional_info"]["ip_address"], "127.0.0.1");
    assert_eq!(
        sent["additional_info"]["payer"],
        json!({"first_name": "Ana", "last_name": "Souza"})
    );
    assert!(sent.get("three_d_secure_mode").is_none(), "{sent}");
}

#[test]
fn the_store_refuses_to_start_with_a_descriptor_no_card_bill_prints() {
    let out = Command::new(env!("CARGO_BIN_EXE_checkout"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/never-reached",
        )
        .env("MP_STATEMENT_DESCRIPTOR", "LOJA DO ZE E DA MARIA 2")
        .output()
        .expect("run the checkout binary");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("MP_STATEMENT_DESCRIPTOR"), "{err}");
    assert!(err.contains("22"), "the message says the limit: {err}");
}

#[tokio::test]
async fn the_browsers_device_id_goes_to_mercado_pago_and_a_bad_one_is_dropped() {
    for (sent, expected) in [
        (
            "armor.9f8e7d6c5b4a39281706",
            json!("armor.9f8e7d6c5b4a39281706"),
        ),
        ("bad id\twith tabs", Value::Null),
    ] {
        let app = spawn_with(sandbox(vec![])).await;
        let checkout = app.start_checkout().await;
        let card = app.sandbox_card(&checkout.amount, "APRO").await;
        let res = app
            .client
            .post(app.url("/process_payment"))
            .header("X-CSRF-Token", &checkout.csrf)
            .header("X-Device-Id", sent)
            .json(&card)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "a bad device id never costs a payment");
        let post = app.sandbox_payment_posts().await.pop().unwrap();
        assert_eq!(post["device_id"], expected, "{sent}");
    }
}
