use std::time::Duration;

use fantoccini::Locator;

use crate::driver::{self, Browser};
use crate::helpers::{spawn_with, Options, TestApp};

async fn brazil() -> TestApp {
    spawn_with(Options {
        sandbox: true,
        ..Options::default()
    })
    .await
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

async fn wait_for_text(browser: &Browser, words: &str) {
    for _ in 0..100 {
        if browser.text().await.contains(words) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never said {words:?}: {}", browser.text().await);
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
    let res = app
        .client
        .post(app.url(&format!(
            "/sandbox/mp/sandbox/control/payments/{payment_id}/approve"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    wait_for_text(&browser, "Pagamento aprovado").await;
    browser.screenshot("result-pix-approved").await;
    let source: String =
        sqlx::query_scalar("select source from order_history where to_status = 'paid'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
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
    wait_for_text(&browser, "Pagamento aprovado").await;
    browser.screenshot("result-wallet").await;
    assert_eq!(
        app.count("select count(*) from orders where status = 'paid'")
            .await,
        1
    );
    browser.close().await;
}
