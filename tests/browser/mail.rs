//! A physical product bought in the browser with its delivery address, the confirmation
//! e-mail's link opened in another browser (the shopper's order, without the session that
//! placed it), then the merchant ships it and that link shows the parcel. The mail goes
//! through the real local SMTP server.

use fantoccini::Locator;

use crate::admin::sign_in;
use crate::driver::{self, Browser};
use common::{
    link_in, smtp_url, spawn_with, unique, wait_for_mail, Options, ADMIN_EMAIL, ADMIN_PASSWORD,
};

async fn fill(browser: &Browser, css: &str, value: &str) {
    let field = browser.wait(css).await;
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

#[tokio::test]
async fn a_physical_order_is_paid_followed_from_the_email_link_and_shipped() {
    let buyer = unique("browser");
    let app = spawn_with(Options::default().sandbox().env("SMTP_URL", smtp_url())).await;
    app.create_admin().await;
    let product = app.product_ids().await[0];
    app.execute(&format!(
        "update products set needs_delivery = true where id = {product}"
    ))
    .await;
    app.execute(
        "insert into shipping_options (site, currency, name, price_minor)
         values ('MLB', 'BRL', 'PAC', 1500)",
    )
    .await;

    let browser = driver::start().await;
    browser.client.goto(&app.url("/")).await.unwrap();
    browser.click("li.product form button[type=submit]").await;
    browser.wait_for_path("/cart").await;
    browser.click("a.button[href='/checkout']").await;
    browser.wait_for_path("/checkout").await;
    // Physical goods: the address comes before the payment form.
    browser.wait("#delivery-form").await;
    for (field, value) in [
        ("postal_code", "01310-100"),
        ("state", "SP"),
        ("city", "São Paulo"),
        ("district", "Bela Vista"),
        ("street", "Avenida Paulista"),
        ("number", "1578"),
        ("apartment", "Sala 2"),
    ] {
        fill(&browser, &format!("#addr-{field}"), value).await;
    }
    browser.click("input[name=shipping_option]").await;
    browser.screenshot("delivery-form").await;
    browser.click("#delivery-form button[type=submit]").await;
    browser.wait("#mp-pay").await;
    let text = browser.text().await;
    assert!(text.contains("Avenida Paulista"), "{text}");
    assert!(text.contains("15,00"), "shipping in the total: {text}");
    fill(&browser, "#mp-email", &buyer).await;
    browser
        .wait("#mp-cardholder")
        .await
        .select_by_value("APRO")
        .await
        .unwrap();
    browser.click("#mp-pay").await;
    browser.wait_for_path("/orders/").await;
    browser.wait_for_text("Pagamento aprovado").await;
    browser.close().await;

    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 1).await;
    let link = link_in(&mails[0], "Ver o pedido");

    let other = driver::start().await;
    other.client.goto(&link).await.unwrap();
    other.wait("#payment-status").await;
    let text = other.text().await;
    assert!(text.contains("Pagamento aprovado"), "{text}");
    assert!(text.contains("Aguardando envio"), "{text}");
    let number = other
        .client
        .find(Locator::Css("#order-number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(number.starts_with('#'), "{number}");
    other.screenshot("order-from-email-link").await;

    // The merchant finds it among the orders to ship and ships it.
    let merchant = driver::start().await;
    merchant
        .client
        .goto(&app.url("/admin/orders?to_ship=1"))
        .await
        .unwrap();
    merchant.wait_for_path("/admin/login").await;
    sign_in(&merchant, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    merchant
        .client
        .goto(&app.url("/admin/orders?to_ship=1"))
        .await
        .unwrap();
    let listed = merchant.wait("#orders").await.text().await.unwrap();
    assert!(listed.contains(&number), "{listed}");
    let order_id = app
        .text(&format!(
            "select id::text from orders where number = {}",
            number.trim_start_matches('#')
        ))
        .await;
    merchant
        .client
        .goto(&app.url(&format!("/admin/orders/{order_id}")))
        .await
        .unwrap();
    fill(&merchant, "#carrier", "Correios").await;
    fill(&merchant, "#tracking_code", "BR123456789BR").await;
    merchant.click("#mark-shipped").await;
    merchant.wait_for_text("BR123456789BR").await;
    merchant.screenshot("admin-order-shipped").await;
    merchant.close().await;

    other.client.refresh().await.unwrap();
    other.wait("#delivery-tracking").await;
    let text = other.text().await;
    assert!(
        text.contains("BR123456789BR") && text.contains("Correios"),
        "{text}"
    );
    other.screenshot("order-shipped-from-email-link").await;
    other.close().await;

    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 2).await;
    assert!(
        mails.iter().any(|m| m.contains("BR123456789BR")),
        "{mails:?}"
    );
}
