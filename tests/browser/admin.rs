use fantoccini::Locator;

use crate::driver::{self, Browser};
use common::{spawn_with, Options, ADMIN_EMAIL, ADMIN_PASSWORD};

/// Fills in the sign-in page the browser is on and waits until it is left.
pub(crate) async fn sign_in(browser: &Browser, email: &str, password: &str) {
    browser.wait("#email").await.send_keys(email).await.unwrap();
    browser
        .wait("#password")
        .await
        .send_keys(password)
        .await
        .unwrap();
    browser.click("#sign-in").await;
    // "/admin/login" also starts with "/admin": wait until the sign-in page is left.
    browser
        .wait_for_url("the sign-in page is left", |url| {
            !url.path().starts_with("/admin/login")
        })
        .await;
}

#[tokio::test]
async fn a_merchant_signs_in_finds_an_order_by_payer_email_and_refunds_it() {
    let app = spawn_with(Options::default().sandbox()).await;
    app.create_admin().await;
    // A shopper paid earlier.
    let checkout = app.start_checkout().await;
    let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
    card["formData"]["payer"]["email"] = "maria.souza@example.com".into();
    assert_eq!(app.pay(&checkout.csrf, &card).await.status(), 200);

    let browser = driver::start().await;
    browser.client.goto(&app.url("/admin")).await.unwrap();
    browser.wait_for_path("/admin/login").await;
    sign_in(&browser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser
        .client
        .goto(&app.url("/admin/orders"))
        .await
        .unwrap();
    browser
        .wait("#q")
        .await
        .send_keys("maria.souza@example.com")
        .await
        .unwrap();
    browser.click("#filter").await;
    browser
        .wait_for_url("the filter is applied", |url| {
            url.query().unwrap_or("").contains("q=maria")
        })
        .await;
    let listed = browser.wait("#orders").await.text().await.unwrap();
    let number = app
        .count(&format!(
            "select number from orders where id = '{}'",
            checkout.order_id
        ))
        .await;
    assert!(
        listed.contains(&format!("#{number}")) && listed.contains("maria.souza@example.com"),
        "{listed}"
    );
    browser.click("a.order-link").await;
    browser
        .wait_for_path(&format!("/admin/orders/{}", checkout.order_id))
        .await;
    browser.screenshot("admin-order").await;
    browser.click("#refund").await;
    browser.wait("#notice").await;
    let status = browser
        .client
        .find(Locator::Css("#order-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        status, "Devolvido",
        "the status in the site's language (MLB)"
    );
    browser.screenshot("admin-refunded").await;
    assert_eq!(app.order_status(&checkout.order_id).await, "refunded");
    browser.close().await;
}
