//! Stock: opening the checkout holds the order's units; a decline, an expiry or a cancellation
//! gives them back; a payment consumes them; a shopper is told "sold out" before any charge.

use serde_json::Value;

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use common::{
    attr, browser, card_submission, csrf_of, json_of, mp_payment, next_payment_id, now_ms,
    spawn_with_admin, Options, TestApp,
};

/// A shopper of their own (their own cookies), as `TestApp`'s helpers are for its one client.
struct Shopper {
    client: reqwest::Client,
}

/// An open checkout: the page's token, amount and order.
#[derive(Debug)]
struct Open {
    csrf: String,
    amount: String,
    order_id: String,
}

impl Shopper {
    fn new() -> Self {
        Self { client: browser() }
    }

    async fn add(&self, app: &TestApp, product_id: i64, quantity: u32) {
        let home = self.client.get(app.url("/")).send().await.unwrap();
        let csrf = csrf_of(&home.text().await.unwrap());
        let res = self
            .client
            .post(app.url("/cart/add"))
            .form(&[
                ("csrf_token", csrf),
                ("product_id", product_id.to_string()),
                ("quantity", quantity.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }

    /// The checkout page: its order, or the status and page of a refusal.
    async fn checkout(&self, app: &TestApp) -> Result<Open, (u16, String)> {
        let res = self.client.get(app.url("/checkout")).send().await.unwrap();
        let status = res.status().as_u16();
        let html = res.text().await.unwrap();
        if status != 200 {
            return Err((status, html));
        }
        Ok(Open {
            csrf: attr(&html, "data-csrf=\"").unwrap(),
            amount: attr(&html, "data-amount=\"").unwrap(),
            order_id: attr(&html, "data-order-id=\"").unwrap(),
        })
    }

    async fn pay(&self, app: &TestApp, open: &Open) -> (u16, Value) {
        let res = self
            .client
            .post(app.url("/process_payment"))
            .header("X-CSRF-Token", &open.csrf)
            .json(&card_submission(&open.amount))
            .send()
            .await
            .unwrap();
        json_of(res).await
    }
}

/// An app with its owner, and the first product's id, given `stock` units.
async fn stocked(stock: i32) -> (TestApp, i64) {
    let app = spawn_with_admin(Options::default()).await;
    let product = app.product_ids().await[0];
    app.execute(&format!(
        "update products set stock = {stock} where id = {product}"
    ))
    .await;
    (app, product)
}

/// Every reservation of the order has expired, as if its time had passed.
async fn age_reservations(app: &TestApp, order_id: &str) {
    app.execute(&format!(
        "update stock_reservations set expires_at = now() - interval '1 second'
         where order_id = '{order_id}'"
    ))
    .await;
}

fn says_sold_out(status: u16, html: &str) -> bool {
    status == 409 && html.contains("id=\"sold-out\"")
}

#[tokio::test]
async fn twenty_shoppers_racing_for_five_units_pay_at_most_five() {
    let (app, product) = stocked(5).await;
    app.mp_answers("approved", "accredited").await;
    let shoppers: Vec<Shopper> = (0..20).map(|_| Shopper::new()).collect();
    for s in &shoppers {
        s.add(&app, product, 1).await;
    }
    // All at once: open the checkout, and pay at once if it opened.
    let runs = shoppers.iter().map(|s| {
        let app = &app;
        async move {
            match s.checkout(app).await {
                Ok(open) => {
                    let (status, body) = s.pay(app, &open).await;
                    let said = body["status"].as_str().or(body["error"].as_str());
                    (Some(status), said.map(str::to_string), None)
                }
                Err((status, html)) => (Some(status), None, Some(says_sold_out(status, &html))),
            }
        }
    });
    let results = futures_util::future::join_all(runs).await;
    let paid = results
        .iter()
        .filter(|(_, status, _)| status.as_deref() == Some("approved"))
        .count();
    let told_sold_out = results
        .iter()
        .filter(|(_, _, sold_out)| *sold_out == Some(true))
        .count();
    assert!(paid <= 5, "{paid} paid for 5 units");
    assert_eq!(paid, 5, "every unit is sold to someone: {results:?}");
    assert_eq!(
        told_sold_out, 15,
        "the others are told sold out: {results:?}"
    );
    assert!(app.payment_calls().await.len() <= 5);
    app.assert_count(
        &format!(
            "select count(*) from orders o join order_items i on i.order_id = o.id
             where o.status = 'paid' and i.product_id = {product}"
        ),
        5,
    )
    .await;
}

#[tokio::test]
async fn an_expired_reservation_releases_its_units_and_its_payment_is_refused_without_a_call() {
    let (app, product) = stocked(1).await;
    app.mp_answers("approved", "accredited").await;
    let (first, second) = (Shopper::new(), Shopper::new());
    first.add(&app, product, 1).await;
    second.add(&app, product, 1).await;
    let held = first.checkout(&app).await.expect("the first gets the unit");
    let (status, html) = second.checkout(&app).await.expect_err("sold out");
    assert!(says_sold_out(status, &html), "{status} {html}");
    assert!(html.contains("Café especial 250 g"), "names the product");

    age_reservations(&app, &held.order_id).await;
    let second_open = second.checkout(&app).await.expect("the unit is free again");

    // The first shopper's reservation lapsed and the unit is taken: 409, nobody is called.
    let (status, body) = first.pay(&app, &held).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "sold_out");
    assert!(body["message"].as_str().unwrap().contains("Café especial"));
    assert!(app.payment_calls().await.is_empty());
    assert_eq!(app.order_status(&held.order_id).await, "created");

    let (status, body) = second.pay(&app, &second_open).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("approved")));
}

#[tokio::test]
async fn a_lapsed_reservation_is_taken_again_when_the_units_are_still_there() {
    let (app, product) = stocked(1).await;
    app.mp_answers("approved", "accredited").await;
    let shopper = Shopper::new();
    shopper.add(&app, product, 1).await;
    let open = shopper.checkout(&app).await.ok().unwrap();
    age_reservations(&app, &open.order_id).await;
    let (status, body) = shopper.pay(&app, &open).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("approved")),
        "{body}"
    );
    assert_eq!(app.payment_calls().await.len(), 1);
}

#[tokio::test]
async fn a_declined_payment_releases_its_units() {
    let (app, product) = stocked(1).await;
    app.mp_answers("rejected", "cc_rejected_insufficient_amount")
        .await;
    let (first, second) = (Shopper::new(), Shopper::new());
    first.add(&app, product, 1).await;
    second.add(&app, product, 1).await;
    let held = first.checkout(&app).await.ok().unwrap();
    let (status, body) = first.pay(&app, &held).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("rejected")));

    // Released by the decline: the second shopper gets the unit...
    second.checkout(&app).await.expect("the unit is free again");
    // ...and the first, trying again, is told it is gone, with no second call.
    let (status, body) = first.pay(&app, &held).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("sold_out")));
    assert_eq!(app.payment_calls().await.len(), 1);
}

#[tokio::test]
async fn a_pending_offline_payment_keeps_its_units_past_the_reservation() {
    let (app, product) = stocked(1).await;
    app.mp_answers("pending", "pending_waiting_transfer").await;
    let (first, second) = (Shopper::new(), Shopper::new());
    first.add(&app, product, 1).await;
    second.add(&app, product, 1).await;
    let held = first.checkout(&app).await.ok().unwrap();
    let (_, body) = first.pay(&app, &held).await;
    assert_eq!(body["status"], "pending");
    age_reservations(&app, &held.order_id).await;
    let (status, html) = second.checkout(&app).await.expect_err("still held");
    assert!(says_sold_out(status, &html));
    // The payment expires: Mercado Pago cancels it, the order is cancelled, the unit is free.
    app.execute(&format!(
        "update orders set status = 'cancelled' where id = '{}'",
        held.order_id
    ))
    .await;
    second
        .checkout(&app)
        .await
        .expect("free after the payment's expiry");
}

#[tokio::test]
async fn a_paid_order_consumes_its_units_and_the_back_office_shows_them() {
    let (app, product) = stocked(3).await;
    app.mp_answers("approved", "accredited").await;
    let (buyer, later) = (Shopper::new(), Shopper::new());
    buyer.add(&app, product, 2).await;
    let open = buyer.checkout(&app).await.ok().unwrap();
    let (_, body) = buyer.pay(&app, &open).await;
    assert_eq!(body["status"], "approved");
    age_reservations(&app, &open.order_id).await;

    later.add(&app, product, 2).await;
    let (status, html) = later.checkout(&app).await.expect_err("only one left");
    assert!(says_sold_out(status, &html));

    let admin = app.admin().await;
    let page = common::html_of(&admin, app.url(&format!("/admin/products/{product}"))).await;
    assert!(page.contains(r#"<dd id="stock-on-hand">1</dd>"#), "{page}");
    assert!(page.contains(r#"<dd id="stock-sold">2</dd>"#));
    assert!(page.contains(r#"<dd id="stock-reserved">0</dd>"#));
    let list = common::html_of(&admin, app.url("/admin/products")).await;
    assert!(list.contains(r#"<td class="stock-sold">2</td>"#), "{list}");
}

#[tokio::test]
async fn the_back_office_shows_reserved_units_and_the_merchant_adjusts_the_stock() {
    let (app, product) = stocked(2).await;
    let shopper = Shopper::new();
    shopper.add(&app, product, 2).await;
    shopper.checkout(&app).await.ok().unwrap();
    let admin = app.admin().await;
    let page_url = app.url(&format!("/admin/products/{product}"));
    let page = common::html_of(&admin, page_url.clone()).await;
    assert!(page.contains(r#"<dd id="stock-reserved">2</dd>"#), "{page}");
    assert!(page.contains(r#"<dd id="stock-available">0</dd>"#));
    let csrf = csrf_of(&page);
    let stock_url = app.url(&format!("/admin/products/{product}/stock"));

    // Without the form's token: refused, nothing changed.
    let res = admin
        .post(&stock_url)
        .form(&[("csrf_token", "forged"), ("on_hand", "9")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Not a count: refused with a reason, nothing changed.
    for bad in ["-1", "two", "1.5", "10000001", "2147483647"] {
        let res = admin
            .post(&stock_url)
            .form(&[("csrf_token", csrf.as_str()), ("on_hand", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert!(res.text().await.unwrap().contains("número inteiro"));
    }
    app.assert_count(
        &format!("select count(*) from products where id = {product} and stock = 2"),
        1,
    )
    .await;

    let res = admin
        .post(&stock_url)
        .form(&[("csrf_token", csrf.as_str()), ("on_hand", "7")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = common::html_of(&admin, page_url.clone()).await;
    assert!(page.contains(r#"<dd id="stock-on-hand">7</dd>"#), "{page}");
    assert!(page.contains(r#"<dd id="stock-available">5</dd>"#));

    // Empty: unlimited again.
    let res = admin
        .post(&stock_url)
        .form(&[("csrf_token", csrf.as_str()), ("on_hand", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    app.assert_count(
        &format!("select count(*) from products where id = {product} and stock is null"),
        1,
    )
    .await;
}

#[tokio::test]
async fn an_approval_for_units_released_and_sold_meanwhile_is_flagged_as_oversold() {
    let (app, product) = stocked(1).await;
    app.mp_answers("approved", "accredited").await;
    let (late, buyer) = (Shopper::new(), Shopper::new());
    late.add(&app, product, 1).await;
    buyer.add(&app, product, 1).await;
    let lapsed = late.checkout(&app).await.expect("the first gets the unit");
    age_reservations(&app, &lapsed.order_id).await;
    let open = buyer
        .checkout(&app)
        .await
        .expect("released, so the second gets it");
    let (_, body) = buyer.pay(&app, &open).await;
    assert_eq!(body["status"], "approved");
    app.assert_count("select count(*) from anomalies where kind = 'oversold'", 0)
        .await;
    // Its claim saw the limited product: its payment was checked.
    app.assert_count(
        &format!(
            "select count(*) from orders where id = '{}' and limited_stock",
            open.order_id
        ),
        1,
    )
    .await;
    // The first shopper's wallet payment (made with the order's preference) is approved anyway
    // and notified: the order is paid, and the merchant is told the unit was sold twice.
    let id = next_payment_id();
    Mock::given(method("GET"))
        .and(path(format!("/v1/payments/{id}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(mp_payment(
            id,
            "approved",
            "accredited",
            &lapsed.amount,
            &lapsed.order_id,
            "account_money",
            None,
        )))
        .mount(&app.mp)
        .await;
    assert_eq!(
        app.notify_signed(id, now_ms(), "req-late-wallet").await,
        200
    );
    app.wait_for_status(&lapsed.order_id, "paid").await;
    app.assert_count(
        &format!(
            "select count(*) from anomalies where kind = 'oversold' and order_id = '{}'
             and detail like '%Café especial 250 g (2 units held or sold, 1 in stock)%'",
            lapsed.order_id
        ),
        1,
    )
    .await;
}

#[tokio::test]
async fn unlimited_products_hold_nothing() {
    let app = spawn_with_admin(Options::default()).await;
    app.mp_answers("approved", "accredited").await;
    let checkout = app.start_checkout().await;
    app.assert_count("select count(*) from stock_reservations", 0)
        .await;
    let (status, _) = json_of(app.pay_card(&checkout).await).await;
    assert_eq!(status, 200);
    // Nor is their payment checked for overselling: the claim found no limited product, so
    // the check's trigger does not run (`orders.limited_stock`).
    app.assert_count(
        &format!(
            "select count(*) from orders where id = '{}' and not limited_stock",
            checkout.order_id
        ),
        1,
    )
    .await;
}

/// A shopper who changes the cart after opening the checkout does not compete with their
/// own earlier order: it is replaced, and its units go to the new one.
#[tokio::test]
async fn a_changed_cart_replaces_the_shoppers_own_earlier_order_and_its_hold() {
    let (app, product) = stocked(5).await;
    let shopper = Shopper::new();
    shopper.add(&app, product, 4).await;
    let first = shopper.checkout(&app).await.expect("4 of 5 units");
    shopper.add(&app, product, 1).await;
    let second = shopper
        .checkout(&app)
        .await
        .expect("all 5 units: the earlier order's 4 are not held against the shopper");
    assert_ne!(first.order_id, second.order_id);
    assert_eq!(app.order_status(&first.order_id).await, "cancelled");
    // Someone else finds none left.
    let other = Shopper::new();
    other.add(&app, product, 1).await;
    let Err((status, html)) = other.checkout(&app).await else {
        panic!("the last unit went to the shopper who changed the cart");
    };
    assert!(says_sold_out(status, &html));
}

/// A wallet payment never goes through the claim: its preference stops being payable before
/// the order's units go back on sale, so the wallet cannot charge for units sold meanwhile.
#[tokio::test]
async fn the_wallet_preference_of_held_units_ends_before_their_hold() {
    let (app, product) = stocked(5).await;
    Mock::given(method("POST"))
        .and(path("/checkout/preferences"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "id": "123456-pref", "init_point": "https://www.mercadopago.com.br/checkout/v1/redirect?pref_id=123456-pref"})))
        .mount(&app.mp)
        .await;
    let shopper = Shopper::new();
    shopper.add(&app, product, 1).await;
    let open = shopper.checkout(&app).await.unwrap();
    let created = app.mp_requests("POST", "/checkout/preferences").await;
    let body: Value = serde_json::from_slice(&created[0].body).unwrap();
    let until = time::OffsetDateTime::parse(
        body["expiration_date_to"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let held: i64 = app
        .count(&format!(
            "select extract(epoch from expires_at)::bigint from stock_reservations
             where order_id = '{}'",
            open.order_id
        ))
        .await;
    assert!(
        until.unix_timestamp() <= held - 60,
        "the preference ends {until}, the hold at {held}"
    );

    // With the hold nearly over, no wallet is offered on a preference that would outlive it.
    app.execute(&format!(
        "update stock_reservations set expires_at = now() + interval '90 seconds'
         where order_id = '{}'",
        open.order_id
    ))
    .await;
    app.execute(&format!(
        "update orders set preference_id = null, preference_expires_at = null where id = '{}'",
        open.order_id
    ))
    .await;
    shopper.checkout(&app).await.unwrap();
    assert_eq!(
        app.mp_requests("POST", "/checkout/preferences").await.len(),
        1,
        "no preference that would outlive the hold"
    );
}
