//! The confirmation e-mail's link, opened in another browser: the shopper's order, without
//! the session that placed it. The mail goes through the real local SMTP server.

use fantoccini::Locator;

use crate::driver;
use crate::shopper::to_checkout;
use common::{link_in, smtp_url, spawn_with, unique, wait_for_mail, Options};

#[tokio::test]
async fn the_confirmation_emails_link_opens_the_order_in_another_browser() {
    let buyer = unique("browser");
    let app = spawn_with(Options::default().sandbox().env("SMTP_URL", smtp_url())).await;
    let browser = driver::start().await;
    to_checkout(&app, &browser).await;
    let email = browser.wait("#mp-email").await;
    email.clear().await.unwrap();
    email.send_keys(&buyer).await.unwrap();
    let select = browser.wait("#mp-cardholder").await;
    select.select_by_value("APRO").await.unwrap();
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
    let number = other
        .client
        .find(Locator::Css("#order-number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(number.starts_with('#'), "{number}");
    assert!(text.contains("Entrega"), "the delivery spot: {text}");
    other.screenshot("order-from-email-link").await;
    other.close().await;
}
