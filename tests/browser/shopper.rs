use std::time::Duration;

use fantoccini::Locator;

use crate::driver::{self, Browser};
use common::{eventually, spawn_with, Options, TestApp};

async fn sandbox_store() -> TestApp {
    spawn_with(Options::default().sandbox()).await
}

/// Adds the first product to the cart and opens the checkout, through the pages' own forms.
pub(crate) async fn to_checkout(app: &TestApp, browser: &Browser) {
    browser.client.goto(&app.url("/")).await.unwrap();
    assert!(browser
        .text()
        .await
        .contains("Sandbox: no real money moves"));
    browser.click("li.product form button[type=submit]").await;
    browser.wait_for_path("/cart").await;
    browser.click("a.button[href='/checkout']").await;
    browser.wait_for_path("/checkout").await;
    browser.wait("#mp-pay").await;
}

pub(crate) async fn pay_as(browser: &Browser, cardholder: &str) {
    if let Ok(email) = browser.client.find(Locator::Css("#mp-email")).await {
        email.clear().await.unwrap();
        email.send_keys("shopper@example.com").await.unwrap();
    }
    let select = browser.wait("#mp-cardholder").await;
    select.select_by_value(cardholder).await.unwrap();
    browser.click("#mp-pay").await;
}

async fn approved_payments(app: &TestApp) -> i64 {
    app.count("select count(*) from payments where status = 'approved'")
        .await
}

#[tokio::test]
async fn a_shopper_pays_with_apro_and_sees_the_approval() {
    let app = sandbox_store().await;
    let browser = driver::start().await;
    to_checkout(&app, &browser).await;
    browser.screenshot("checkout").await;
    pay_as(&browser, "APRO").await;
    browser.wait_for_path("/orders/").await;
    browser.wait("#payment-status").await;
    let text = browser.text().await;
    assert!(text.contains("Pagamento aprovado"), "{text}");
    browser.screenshot("result-approved").await;
    assert_eq!(approved_payments(&app).await, 1);
    browser.close().await;
}

#[tokio::test]
async fn a_declined_card_can_try_again_and_is_charged_once() {
    let app = sandbox_store().await;
    let browser = driver::start().await;
    to_checkout(&app, &browser).await;
    pay_as(&browser, "OTHE").await;
    browser.wait_for_path("/orders/").await;
    let text = browser.text().await;
    assert!(text.contains("Pagamento recusado"), "{text}");
    browser.screenshot("result-rejected").await;
    browser.click("#try-again").await;
    browser.wait_for_path("/checkout").await;
    pay_as(&browser, "APRO").await;
    browser.wait_for_path("/orders/").await;
    assert!(browser.text().await.contains("Pagamento aprovado"));
    assert_eq!(approved_payments(&app).await, 1);
    assert_eq!(
        app.count("select count(*) from payments").await,
        2,
        "one declined, one approved"
    );
    assert_eq!(app.count("select count(*) from orders").await, 1);
    browser.close().await;
}

#[tokio::test]
async fn an_amount_changed_in_the_page_is_refused_and_creates_no_payment() {
    let app = sandbox_store().await;
    let browser = driver::start().await;
    browser.client.goto(&app.url("/")).await.unwrap();
    browser.click("li.product form button[type=submit]").await;
    browser.wait_for_path("/cart").await;
    // A shopper (or a script) edits the amount before the Brick starts.
    browser.client.goto(&app.url("/checkout")).await.unwrap();
    browser.wait("#mp-pay").await;
    browser
        .client
        .execute(
            "document.getElementById('checkout').dataset.amount = '0.01';
             window.paymentBrickController.unmount();
             var s = document.createElement('script'); s.src = '/static/checkout.js'; document.body.appendChild(s);",
            vec![],
        )
        .await
        .unwrap();
    browser
        .client
        .wait()
        .for_element(Locator::Css("#mp-pay"))
        .await
        .unwrap();
    pay_as(&browser, "APRO").await;
    let message = browser.wait("#checkout-message").await;
    eventually("the checkout says why", Duration::from_secs(5), || async {
        !message.text().await.unwrap().is_empty()
    })
    .await;
    let said = message.text().await.unwrap();
    assert!(said.contains("não confere"), "the shopper is told: {said}");
    assert!(browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/checkout"));
    assert_eq!(app.count("select count(*) from payments").await, 0);
    assert_eq!(
        app.count("select count(*) from payment_attempts where state = 'refused'")
            .await,
        1
    );
    browser.close().await;
}
