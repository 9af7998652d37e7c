use fantoccini::Locator;

use crate::driver::{self, Browser};
use common::{spawn_with, Options, TestApp};

async fn brazil() -> TestApp {
    spawn_with(Options::default().sandbox()).await
}

/// To the checkout, then choose a method in the Brick and fill in the email.
async fn choose(app: &TestApp, browser: &Browser, method: &str) {
    browser.client.goto(&app.url("/")).await.unwrap();
    browser.click("li.product form button[type=submit]").await;
    browser.wait_for_path("/cart").await;
    browser.client.goto(&app.url("/checkout")).await.unwrap();
    browser
        .click(&format!("input[name=mp-method][value='{method}']"))
        .await;
    if let Ok(email) = browser.client.find(Locator::Css("#mp-email")).await {
        email.send_keys("shopper@example.com").await.unwrap();
    }
}

#[tokio::test]
async fn a_pix_purchase_shows_its_qr_and_turns_approved_when_paid() {
    let app = brazil().await;
    let browser = driver::start().await;
    choose(&app, &browser, "bank_transfer:pix").await;
    browser.click("#mp-pay").await;
    browser.wait_for_path("/orders/").await;
    browser.wait("#pix-qr").await;
    assert!(browser.text().await.contains("Pague com Pix"));
    browser.screenshot("result-pix").await;
    let payment_id: i64 = sqlx::query_scalar("select id from payments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // The shopper pays from a bank app: the sandbox approves and notifies our webhook.
    app.sandbox_payment_action(payment_id, "approve").await;
    browser.wait_for_text("Pagamento aprovado").await;
    browser.screenshot("result-pix-approved").await;
    let source = app
        .text("select source from order_history where to_status = 'paid'")
        .await;
    assert_eq!(source, "webhook", "the webhook alone made it paid");
    browser.close().await;
}

#[tokio::test]
async fn a_boleto_purchase_shows_its_voucher_link() {
    let app = brazil().await;
    let browser = driver::start().await;
    choose(&app, &browser, "ticket:bolbradesco").await;
    browser.click("#mp-pay").await;
    browser.wait_for_path("/orders/").await;
    let link = browser.wait("#voucher-link").await;
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(href.contains("/sandbox/mp/sandbox/voucher/"), "{href}");
    assert!(browser
        .text()
        .await
        .contains("Seu comprovante de pagamento"));
    browser.screenshot("result-boleto").await;
    browser.client.goto(&href).await.unwrap();
    browser.wait("#reference").await;
    browser.close().await;
}

#[tokio::test]
async fn a_wallet_purchase_comes_back_to_an_approved_result_page() {
    let app = brazil().await;
    let browser = driver::start().await;
    choose(&app, &browser, "wallet_purchase").await;
    browser.click("#mp-pay").await;
    browser.wait_for_path("/sandbox/mp/sandbox/checkout").await;
    browser.click("#wallet-approve").await;
    browser.wait_for_path("/orders/").await;
    browser.wait_for_text("Pagamento aprovado").await;
    browser.screenshot("result-wallet").await;
    assert_eq!(
        app.count("select count(*) from orders where status = 'paid'")
            .await,
        1
    );
    browser.close().await;
}
