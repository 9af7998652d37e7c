//! Fulfilment: the merchant ships a paid order (carrier, tracking code) or marks it
//! delivered; the shopper's order page shows it; orders to ship are a filter and a count; the
//! CSV carries the delivery.

use common::{csrf_of, json_of, TestApp};

use crate::delivery::{address, choose_delivery, physical_store};

/// A physical order paid by card, and its id.
async fn paid_physical_order(app: &TestApp, product: i64, option: i64) -> String {
    app.mp_answers("approved", "accredited").await;
    app.add_to_cart(product, 1).await;
    assert_eq!(
        choose_delivery(app, address(), option.to_string())
            .await
            .status(),
        303
    );
    let checkout = app.open_checkout().await;
    let (_, body) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(body["status"], "approved");
    checkout.order_id
}

async fn admin_page(app: &TestApp, admin: &reqwest::Client, path: &str) -> String {
    let res = admin.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_paid_order_is_shipped_and_its_shopper_sees_the_carrier_and_tracking_code() {
    let (app, product, (pac, _)) = physical_store().await;
    let order = paid_physical_order(&app, product, pac).await;
    assert!(app.order_page(&order).await.contains("Aguardando envio"));
    let admin = app.admin().await;
    let page = admin_page(&app, &admin, &format!("/admin/orders/{order}")).await;
    assert!(page.contains("Avenida Paulista 1578"), "{page}");
    let csrf = csrf_of(&page);
    let ship = |carrier: &'static str, code: &'static str, csrf: String| {
        admin
            .post(app.url(&format!("/admin/orders/{order}/ship")))
            .form(&[
                ("csrf_token", csrf),
                ("carrier", carrier.into()),
                ("tracking_code", code.into()),
            ])
            .send()
    };
    // Without the form's token, or without a tracking code: refused, nothing changed.
    assert_eq!(
        ship("Correios", "AA123", "forged".into())
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        ship("Correios", " ", csrf.clone()).await.unwrap().status(),
        400
    );
    app.assert_count(
        "select count(*) from order_deliveries where shipped_at is not null",
        0,
    )
    .await;

    assert_eq!(
        ship("Correios", "BR123456789BR", csrf.clone())
            .await
            .unwrap()
            .status(),
        303
    );
    let shopper_sees = app.order_page(&order).await;
    assert!(
        shopper_sees.contains("<span id=\"delivery-carrier\">Correios</span>"),
        "{shopper_sees}"
    );
    assert!(shopper_sees.contains("<span id=\"delivery-tracking\">BR123456789BR</span>"));
    assert!(shopper_sees.contains("Enviado"));

    let res = admin
        .post(app.url(&format!("/admin/orders/{order}/deliver")))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(app
        .order_page(&order)
        .await
        .contains("<p id=\"delivery-status\">Entregue</p>"));
}

#[tokio::test]
async fn an_unpaid_order_cannot_be_shipped() {
    let (app, product, (pac, _)) = physical_store().await;
    app.add_to_cart(product, 1).await;
    choose_delivery(&app, address(), pac.to_string()).await;
    let checkout = app.open_checkout().await;
    let admin = app.admin().await;
    let page = admin_page(
        &app,
        &admin,
        &format!("/admin/orders/{}", checkout.order_id),
    )
    .await;
    let res = admin
        .post(app.url(&format!("/admin/orders/{}/ship", checkout.order_id)))
        .form(&[
            ("csrf_token", csrf_of(&page)),
            ("carrier", "Correios".to_string()),
            ("tracking_code", "BR1".to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Só um pedido pago pode ser enviado"));
    app.assert_count(
        "select count(*) from order_deliveries where shipped_at is not null or carrier is not null",
        0,
    )
    .await;
}

#[tokio::test]
async fn orders_to_ship_are_a_filter_and_a_dashboard_count_and_the_csv_has_the_delivery() {
    let (app, product, (pac, _)) = physical_store().await;
    let order = paid_physical_order(&app, product, pac).await;
    let admin = app.admin().await;
    let dashboard = admin_page(&app, &admin, "/admin").await;
    assert!(
        dashboard.contains("<dd id=\"to-ship\">1</dd>"),
        "{dashboard}"
    );
    let listed = admin_page(&app, &admin, "/admin/orders?to_ship=1").await;
    assert!(listed.contains(&order));

    let csv = admin_page(&app, &admin, "/admin/orders.csv?to_ship=1").await;
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(
        "delivery_address,shipping_option,shipping,carrier,tracking_code,shipped_at,delivered_at"
    ));
    let row = csv.lines().find(|l| l.starts_with(&order)).unwrap();
    assert!(
        row.contains(
            "\"Avenida Paulista 1578, Sala 2, Bela Vista, São Paulo, SP, 01310100\",PAC,15.00,"
        ),
        "{row}"
    );

    app.execute("update order_deliveries set shipped_at = now(), carrier = 'Correios', tracking_code = 'BR9'")
        .await;
    let dashboard = admin_page(&app, &admin, "/admin").await;
    assert!(dashboard.contains("<dd id=\"to-ship\">0</dd>"));
    let listed = admin_page(&app, &admin, "/admin/orders?to_ship=1").await;
    assert!(!listed.contains(&order));
    let csv = admin_page(&app, &admin, "/admin/orders.csv").await;
    let row = csv.lines().find(|l| l.starts_with(&order)).unwrap();
    assert!(row.contains(",Correios,BR9,"), "{row}");
}
