//! A 3-D Secure challenge met in headless Chromium: the bank's page in a frame of the result
//! page (ours, or the Status Screen stand-in's), passed by a click, the approval shown.

use crate::driver::{self, Browser};
use crate::shopper::{pay_as, to_checkout};
use common::{spawn_with, Options, TestApp};

async fn store(env: Vec<(&'static str, String)>) -> TestApp {
    spawn_with(Options {
        sandbox: true,
        env,
        ..Options::default()
    })
    .await
}

/// Passes the challenge inside `frame_css`, then waits for the page to show the approval.
async fn pass_challenge(browser: &Browser, frame_css: &str, screenshot: &str) {
    let frame = browser.wait(frame_css).await;
    frame.enter_frame().await.unwrap();
    browser.wait("#challenge-pass").await;
    browser.client.enter_parent_frame().await.unwrap();
    browser.screenshot(screenshot).await;
    let frame = browser.wait(frame_css).await;
    frame.enter_frame().await.unwrap();
    browser.click("#challenge-pass").await;
    let outcome = browser
        .wait("#challenge-outcome")
        .await
        .text()
        .await
        .unwrap();
    assert!(outcome.contains("approved"), "{outcome}");
    browser.client.enter_parent_frame().await.unwrap();
    browser.wait_for_text("Pagamento aprovado").await;
}

#[tokio::test]
async fn a_shopper_passes_a_3ds_challenge_in_the_result_pages_frame() {
    let app = store(vec![]).await;
    let browser = driver::start().await;
    to_checkout(&app, &browser).await;
    pay_as(&browser, "CHAL").await;
    browser.wait_for_path("/orders/").await;
    assert!(browser.text().await.contains("Verificação do seu banco"));
    pass_challenge(&browser, "#challenge-frame", "3ds-challenge").await;
    browser.screenshot("3ds-approved").await;
    // The checkout page forwarded MercadoPago.js's device id with the payment.
    let posts = app.sandbox_payment_posts().await;
    let device = posts[0]["device_id"].as_str().unwrap_or("");
    assert!(device.starts_with("sandbox-"), "{}", posts[0]);
    assert_eq!(
        app.count("select count(*) from payments where status = 'approved'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from payments").await, 1);
    browser.close().await;
}

#[tokio::test]
async fn the_status_screen_stand_in_shows_the_payment_and_its_challenge() {
    let app = store(vec![("MP_STATUS_SCREEN", "true".into())]).await;
    let browser = driver::start().await;
    to_checkout(&app, &browser).await;
    pay_as(&browser, "CHAL").await;
    browser.wait_for_path("/orders/").await;
    let screen = browser.wait(".mp-status-screen").await;
    assert!(screen
        .text()
        .await
        .unwrap()
        .contains("Confirme o pagamento"));
    // The Brick shows the challenge; ours stays hidden so that only one is opened.
    let own = browser.wait("#challenge-own").await;
    assert!(!own.is_displayed().await.unwrap());
    pass_challenge(
        &browser,
        "#statusScreenBrick_container-challenge",
        "3ds-status-screen-challenge",
    )
    .await;
    let screen = browser.wait(".mp-status-screen").await;
    assert!(screen.text().await.unwrap().contains("Pagamento aprovado"));
    browser.screenshot("3ds-status-screen-approved").await;
    assert_eq!(app.count("select count(*) from payments").await, 1);
    browser.close().await;
}
