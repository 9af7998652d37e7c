//! Fulfilment: the merchant ships a paid order (carrier, tracking code) or marks it
//! delivered; the shopper's order page shows it; orders to ship are a filter and a count; the
//! CSV carries the delivery.

use common::{
    csrf_of, header, json_of, smtp_url, unique, wait_for_mail, with_token, Options, TestApp,
};

use crate::delivery::{address, choose_delivery, physical_store, physical_store_with};

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
    common::html_of(admin, app.url(path)).await
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
    let row = csv.lines().find(|l| l.contains(&order)).unwrap();
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
    let row = csv.lines().find(|l| l.contains(&order)).unwrap();
    assert!(row.contains(",Correios,BR9,"), "{row}");
}

/// The shopper hears about each step once, from a real SMTP server's point of view: the
/// carrier and tracking code with "shipped", then "delivered"; marking a step twice mails once.
#[tokio::test]
async fn the_shopper_is_mailed_once_when_the_order_ships_and_once_when_it_arrives() {
    let buyer = unique("parcel");
    let (app, product, (pac, _)) =
        physical_store_with(Options::default().sandbox().env("SMTP_URL", smtp_url())).await;
    app.add_to_cart(product, 1).await;
    assert_eq!(
        choose_delivery(&app, address(), pac.to_string())
            .await
            .status(),
        303
    );
    let checkout = app.open_checkout().await;
    let token = app.sandbox_token("APRO").await;
    let mut body = with_token(&checkout.amount, &token);
    body["formData"]["payer"]["email"] = buyer.clone().into();
    let (status, answer) = json_of(app.pay(&checkout.csrf, &body).await).await;
    assert_eq!(
        (status, &answer["status"]),
        (200, &"approved".into()),
        "{answer}"
    );
    let order = checkout.order_id;
    let number = app
        .count(&format!("select number from orders where id = '{order}'"))
        .await;

    let admin = app.admin().await;
    let page = admin_page(&app, &admin, &format!("/admin/orders/{order}")).await;
    let csrf = csrf_of(&page);
    for _ in 0..2 {
        let res = admin
            .post(app.url(&format!("/admin/orders/{order}/ship")))
            .form(&[
                ("csrf_token", csrf.clone()),
                ("carrier", "Correios".into()),
                ("tracking_code", "BR123456789BR".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 2).await;
    let shipped: Vec<_> = mails
        .iter()
        .filter(|m| header(m, "Subject") == format!("Pedido #{number} enviado"))
        .collect();
    assert_eq!(shipped.len(), 1, "{mails:?}");
    assert!(
        shipped[0].contains("Transportadora: Correios"),
        "{}",
        shipped[0]
    );
    assert!(shipped[0].contains("BR123456789BR"));

    let res = admin
        .post(app.url(&format!("/admin/orders/{order}/deliver")))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 3).await;
    assert_eq!(
        mails.len(),
        3,
        "confirmation, shipped, delivered: {mails:?}"
    );
    assert!(mails
        .iter()
        .any(|m| header(m, "Subject") == format!("Pedido #{number} entregue")));
}
