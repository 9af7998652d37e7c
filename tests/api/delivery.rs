//! Delivery: physical goods ask for an address in the site's format and a shipping option
//! before the payment form; the shipping price is part of the total (and so of the amount
//! check); the address goes to Mercado Pago as the shipment's receiver.

use serde_json::Value;

use common::{card_submission, csrf_of, json_of, spawn_with_admin, Options, TestApp};

/// The Brazilian address the tests deliver to, as the form posts it.
pub fn address() -> Vec<(&'static str, String)> {
    [
        ("postal_code", "01310-100"),
        ("state", "sp"),
        ("city", "São Paulo"),
        ("district", "Bela Vista"),
        ("street", "Avenida Paulista"),
        ("number", "1578"),
        ("apartment", "Sala 2"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

/// An app whose first product is physical, with two shipping options (PAC 15,00 and
/// SEDEX 32,50); their ids.
pub async fn physical_store() -> (TestApp, i64, (i64, i64)) {
    physical_store_with(Options::default()).await
}

/// The same, with options of its own (a sandbox store, an SMTP server...).
pub async fn physical_store_with(options: Options) -> (TestApp, i64, (i64, i64)) {
    let app = spawn_with_admin(options).await;
    let product = app.product_ids().await[0];
    app.execute(&format!(
        "update products set needs_delivery = true where id = {product}"
    ))
    .await;
    let id = |name: &'static str, price: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "insert into shipping_options (site, currency, name, price_minor)
                 values ('MLB', 'BRL', $1, $2) returning id",
            )
            .bind(name)
            .bind(price)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let options = (id("PAC", 1500).await, id("SEDEX", 3250).await);
    (app, product, options)
}

/// Posts the delivery form of the open checkout.
pub async fn choose_delivery(
    app: &TestApp,
    fields: Vec<(&'static str, String)>,
    option: String,
) -> reqwest::Response {
    let page = app.get("/checkout").await.text().await.unwrap();
    let mut form = fields;
    form.push(("csrf_token", csrf_of(&page)));
    form.push(("shipping_option", option));
    app.post_form("/checkout/delivery", &form).await
}

async fn order_total(app: &TestApp) -> String {
    app.text("select total_minor::text from orders order by created_at desc limit 1")
        .await
}

#[tokio::test]
async fn a_physical_order_asks_for_an_address_before_the_payment_form() {
    let (app, product, _) = physical_store().await;
    app.add_to_cart(product, 1).await;
    let page = app.get_html("/checkout").await;
    assert!(page.contains("id=\"delivery-form\""), "{page}");
    assert!(page.contains(">CEP<") && page.contains(">Bairro<"));
    assert!(page.contains("PAC") && page.contains("SEDEX"));
    assert!(!page.contains("data-amount="), "no payment form yet");
}

#[tokio::test]
async fn a_digital_only_order_asks_no_address() {
    let (app, _, _) = physical_store().await;
    let digital = app.product_ids().await[1];
    app.add_to_cart(digital, 1).await;
    let page = app.get_html("/checkout").await;
    assert!(!page.contains("delivery-form"));
    assert!(page.contains("data-amount=\"59.00\""), "{page}");
}

#[tokio::test]
async fn a_bad_address_is_refused_saying_why_and_changes_nothing() {
    let (app, product, (pac, _)) = physical_store().await;
    app.add_to_cart(product, 1).await;
    app.get_html("/checkout").await;
    let before = order_total(&app).await;
    let spoil = |name: &str, value: &str| {
        let mut form = address();
        form.iter_mut()
            .filter(|(k, _)| *k == name)
            .for_each(|(_, v)| *v = value.to_string());
        form
    };
    for (form, says) in [
        (spoil("postal_code", "0131-100"), "O CEP deve ter 8 dígitos"),
        (spoil("postal_code", "abcdefgh"), "O CEP deve ter 8 dígitos"),
        (spoil("state", "XX"), "UF"),
        (spoil("number", ""), "Número"),
    ] {
        let res = choose_delivery(&app, form, pac.to_string()).await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{says}: {page}");
        assert!(
            page.contains("value=\"Avenida Paulista\""),
            "what was typed is kept"
        );
    }
    // A good address without the page's token: 403, nothing recorded.
    let mut forged = address();
    forged.push(("csrf_token", "forged".to_string()));
    forged.push(("shipping_option", pac.to_string()));
    let res = app.post_form("/checkout/delivery", &forged).await;
    assert_eq!(res.status(), 403);
    app.assert_count("select count(*) from order_deliveries", 0)
        .await;
    assert_eq!(order_total(&app).await, before);
}

#[tokio::test]
async fn the_shipping_price_is_part_of_the_total_and_the_address_goes_to_mercado_pago() {
    let (app, product, (pac, sedex)) = physical_store().await;
    app.mp_answers("approved", "accredited").await;
    app.add_to_cart(product, 2).await;
    let res = choose_delivery(&app, address(), sedex.to_string()).await;
    assert_eq!(res.status(), 303);
    let checkout = app.open_checkout().await;
    // 2 × 49,90 + 32,50
    assert_eq!(checkout.amount, "132.30");
    assert!(checkout
        .html
        .contains("Avenida Paulista 1578, Sala 2, Bela Vista, São Paulo, SP, 01310100"));
    // The shopper changes their mind before paying: the total follows, server-side.
    let form = app.get_html("/checkout?delivery=change").await;
    assert!(
        form.contains("value=\"Avenida Paulista\""),
        "filled with the address"
    );
    choose_delivery(&app, address(), pac.to_string()).await;
    assert_eq!(app.open_checkout().await.amount, "114.80");
    choose_delivery(&app, address(), sedex.to_string()).await;
    let checkout = app.open_checkout().await;
    let (status, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("approved")),
        "{body}"
    );

    let calls = app.payment_calls().await;
    assert_eq!(calls.len(), 1);
    let sent: Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(sent["transaction_amount"].as_f64(), Some(132.3));
    assert_eq!(
        sent["additional_info"]["shipments"]["receiver_address"],
        serde_json::json!({
            "zip_code": "01310100", "street_name": "Avenida Paulista", "street_number": "1578",
            "apartment": "Sala 2", "city_name": "São Paulo", "state_name": "SP"
        })
    );
    let items = sent["additional_info"]["items"].as_array().unwrap();
    let shipping = items.iter().find(|i| i["id"] == "shipping").unwrap();
    assert_eq!(
        (shipping["title"].as_str(), shipping["unit_price"].as_f64()),
        (Some("SEDEX"), Some(32.5))
    );
}

#[tokio::test]
async fn a_tampered_shipping_option_is_refused_and_no_payment_is_called() {
    let (app, product, (pac, sedex)) = physical_store().await;
    app.mp_answers("approved", "accredited").await;
    app.add_to_cart(product, 1).await;
    // An option the store does not offer: refused, nothing recorded.
    let res = choose_delivery(&app, address(), "999999".into()).await;
    assert_eq!(res.status(), 422);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("forma de envio não está disponível"));
    app.assert_count("select count(*) from order_deliveries", 0)
        .await;

    let res = choose_delivery(&app, address(), sedex.to_string()).await;
    assert_eq!(res.status(), 303);
    let checkout = app.open_checkout().await;
    assert_eq!(checkout.amount, "82.40");
    // The browser claims the cheaper option's total (49,90 + 15,00): 422, Mercado Pago is
    // never called.
    let _ = pac;
    let res = app.pay(&checkout.csrf, &card_submission("64.90")).await;
    let (status, body) = json_of(res).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (422, Some("amount_mismatch"))
    );
    assert!(app.payment_calls().await.is_empty());
}

#[tokio::test]
async fn the_delivery_cannot_change_once_a_payment_was_tried() {
    let (app, product, (pac, sedex)) = physical_store().await;
    app.mp_answers("rejected", "cc_rejected_other_reason").await;
    app.add_to_cart(product, 1).await;
    choose_delivery(&app, address(), sedex.to_string()).await;
    let checkout = app.open_checkout().await;
    let (_, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(body["status"], "rejected");
    let total = order_total(&app).await;
    // The form is not shown again, but a forged post is refused: the amount is fixed.
    let page = app.get("/checkout").await.text().await.unwrap();
    let mut form = address();
    form.push(("csrf_token", csrf_of(&page)));
    form.push(("shipping_option", pac.to_string()));
    let res = app.post_form("/checkout/delivery", &form).await;
    assert_eq!(res.status(), 409);
    assert_eq!(order_total(&app).await, total);
}

#[tokio::test]
async fn the_merchant_configures_the_shipping_options() {
    let (app, product, _) = physical_store().await;
    let admin = app.admin().await;
    let page = common::html_of(&admin, app.url("/admin/shipping")).await;
    let csrf = csrf_of(&page);
    let add = |name: &'static str, price: &'static str, csrf: String| {
        admin
            .post(app.url("/admin/shipping"))
            .form(&[
                ("csrf_token", csrf),
                ("name", name.into()),
                ("price", price.into()),
            ])
            .send()
    };
    assert_eq!(
        add("Motoboy", "9,90", csrf.clone()).await.unwrap().status(),
        303
    );
    assert_eq!(
        add("Motoboy", "-1", csrf.clone()).await.unwrap().status(),
        400
    );
    assert_eq!(add("", "1", csrf.clone()).await.unwrap().status(), 400);
    assert_eq!(
        add("Forged", "1", "forged".into()).await.unwrap().status(),
        403
    );
    app.assert_count(
        "select count(*) from shipping_options where name = 'Motoboy' and price_minor = 990",
        1,
    )
    .await;
    app.assert_count(
        "select count(*) from shipping_options where name = 'Forged'",
        0,
    )
    .await;
    app.add_to_cart(product, 1).await;
    assert!(app.get_html("/checkout").await.contains("Motoboy — "));
}

#[tokio::test]
async fn each_site_asks_for_its_own_address_format() {
    let app = spawn_with_admin(Options::default().site("MLA")).await;
    let product = app.product_ids().await[0];
    app.execute(&format!(
        "update products set needs_delivery = true where id = {product}"
    ))
    .await;
    app.execute(
        "insert into shipping_options (site, currency, name, price_minor)
         values ('MLA', 'ARS', 'Correo Argentino', 250000)",
    )
    .await;
    let option = app.text("select id::text from shipping_options").await;
    app.add_to_cart(product, 1).await;
    let page = app.get_html("/checkout").await;
    for label in [
        ">Código postal<",
        ">Provincia<",
        ">Localidad<",
        ">Piso<",
        ">Depto<",
    ] {
        assert!(page.contains(label), "{label}");
    }
    assert!(!page.contains(">Bairro<") && !page.contains("name=\"district\""));
    let argentine = |code: &str| {
        [
            ("postal_code", code),
            ("state", "Buenos Aires"),
            ("city", "CABA"),
            ("street", "Av. Corrientes"),
            ("number", "1234"),
            ("floor", "5"),
            ("apartment", "B"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect::<Vec<_>>()
    };
    let res = choose_delivery(&app, argentine("01310100"), option.clone()).await;
    assert_eq!(res.status(), 422, "a Brazilian CEP is no Argentine code");
    let res = choose_delivery(&app, argentine("c1043aak"), option).await;
    assert_eq!(res.status(), 303);
    let checkout = app.open_checkout().await;
    assert!(checkout
        .html
        .contains("Av. Corrientes 1234, 5, B, CABA, Buenos Aires, C1043AAK"));
}

/// The delivery step is a rule of the payment, not only of the page: a submit that skips it
/// (the Brick's endpoint called straight from the delivery form's page) charges nothing.
#[tokio::test]
async fn physical_goods_are_not_paid_without_their_delivery() {
    let (app, product, _) = physical_store().await;
    app.mp_answers("approved", "accredited").await;
    app.add_to_cart(product, 1).await;
    let page = app.get_html("/checkout").await;
    assert!(page.contains("id=\"delivery-form\""));
    let total = app
        .count("select total_minor from orders order by created_at desc limit 1")
        .await;
    let amount = format!("{}.{:02}", total / 100, total % 100);
    let (status, body) = json_of(app.pay(&csrf_of(&page), &card_submission(&amount)).await).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "delivery_missing");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("endereço de entrega"));
    assert!(app.payment_calls().await.is_empty(), "nothing was charged");
}
