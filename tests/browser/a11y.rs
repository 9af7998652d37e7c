//! axe-core in every page a shopper or a merchant sees, in each language a site uses: zero
//! violations. No site speaks English (`Site::lang` is pt for MLB, es for the others), so the
//! pages are checked on an MLB store (pt) and an MLA store (es).
//!
//! axe-core comes from npm through `scripts/ensure-axe` (which `scripts/test` runs); without
//! it these tests fail and say so, they never skip.

use std::time::Duration;

use fantoccini::Locator;

use crate::admin::sign_in;
use crate::driver::{self, Browser};
use crate::shopper::{pay_as, to_checkout};
use common::{spawn_with, Options, TestApp};

/// axe-core's browser build, as `scripts/ensure-axe` leaves it.
fn axe_source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}): run scripts/ensure-axe (needs npm once)",
            path.display()
        )
    })
}

/// What axe says is wrong with a page, one line per rule and element.
async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    // A page that reloads itself (the result page when its payment moves) may drop the
    // script between the two calls: inject again and retry.
    for _ in 0..5 {
        if browser.client.execute(axe, vec![]).await.is_err() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        // Frames hold Mercado Pago's and the bank's pages (here the emulator's), not ours.
        let run = r#"
            const done = arguments[arguments.length - 1];
            if (!window.axe) { done(null); return; }
            window.axe.run(document, { iframes: false }).then(
              (r) => done(r.violations.flatMap((v) => v.nodes.map((n) =>
                `${v.id} (${v.impact}): ${v.help} at ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`))),
              (e) => done(["axe failed: " + e]));
        "#;
        match browser.client.execute_async(run, vec![]).await {
            Ok(serde_json::Value::Array(found)) => {
                return found
                    .into_iter()
                    .map(|v| v.as_str().unwrap_or_default().to_string())
                    .collect()
            }
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("axe could not run in the page");
}

/// Runs axe in the page and writes down its findings under `page`.
struct Audit {
    axe: String,
    lang: &'static str,
    report: Vec<(String, Vec<String>)>,
}

impl Audit {
    fn new(lang: &'static str) -> Self {
        Self {
            axe: axe_source(),
            lang,
            report: Vec::new(),
        }
    }

    async fn check(&mut self, browser: &Browser, page: &str) {
        // The page's own language, or axe would check words against the wrong one.
        let lang = browser
            .wait("html")
            .await
            .attr("lang")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(lang.starts_with(self.lang), "{page}: <html lang={lang}>");
        let found = violations(browser, &self.axe).await;
        self.report.push((page.to_string(), found));
    }

    fn assert_clean(self) {
        let mut failed = false;
        for (page, found) in &self.report {
            println!("axe {} {page}: {} violations", self.lang, found.len());
            for v in found {
                println!("    {v}");
                failed = true;
            }
        }
        assert!(!failed, "axe found violations (listed above)");
    }
}

async fn store(site: &'static str) -> TestApp {
    spawn_with(Options {
        site,
        sandbox: true,
        ..Options::default()
    })
    .await
}

/// A new shopper (an open or pending order sends the checkout back to it).
async fn new_shopper(browser: &Browser) {
    browser.client.delete_all_cookies().await.unwrap();
}

/// A fresh order at the checkout, the method chosen in the stand-in Brick, the email given.
async fn choose(app: &TestApp, browser: &Browser, method: &str) {
    new_shopper(browser).await;
    to_checkout(app, browser).await;
    browser
        .click(&format!("input[name=mp-method][value='{method}']"))
        .await;
    if let Ok(email) = browser.client.find(Locator::Css("#mp-email")).await {
        email.send_keys("shopper@example.com").await.unwrap();
    }
}

async fn latest_order(app: &TestApp) -> String {
    sqlx::query_scalar::<_, uuid::Uuid>("select id from orders order by created_at desc limit 1")
        .fetch_one(&app.pool)
        .await
        .unwrap()
        .to_string()
}

/// Pays by card as `cardholder` and waits for the result page.
async fn card_result(app: &TestApp, browser: &Browser, cardholder: &str) {
    new_shopper(browser).await;
    to_checkout(app, browser).await;
    pay_as(browser, cardholder).await;
    browser.wait_for_path("/orders/").await;
    browser.wait("#payment-status").await;
}

/// The storefront, the cart, the checkout and every result page of one store.
/// Gives the site's first product a picture, so that pages show one (storefront, cart,
/// summary, the product form).
async fn with_a_picture(app: &TestApp, site: &'static str) {
    let currency = checkout::domain::Site::parse(site).unwrap().currency();
    let product: i64 =
        sqlx::query_scalar("select id from products where currency = $1 order by id limit 1")
            .bind(currency.code())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let img = image::RgbImage::from_fn(700, 400, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&img)
        .unwrap();
    let variants = checkout::domain::picture::process(&jpeg, 5 << 20).unwrap();
    let alt = checkout::domain::AltText::parse("A bag of coffee beans").unwrap();
    assert!(
        checkout::db::pictures::replace(&app.pool, currency, product, &alt, &variants)
            .await
            .unwrap()
    );
}

async fn shopper_pages(site: &'static str, lang: &'static str, pending: &str, voucher: &str) {
    let app = store(site).await;
    with_a_picture(&app, site).await;
    let browser = driver::start().await;
    let mut audit = Audit::new(lang);

    browser.client.goto(&app.url("/")).await.unwrap();
    browser.wait("li.product").await;
    audit.check(&browser, "storefront").await;
    browser.click("li.product form button[type=submit]").await;
    browser.wait_for_path("/cart").await;
    browser.wait("#cart-total").await;
    audit.check(&browser, "cart").await;
    browser.click("a.button[href='/checkout']").await;
    browser.wait_for_path("/checkout").await;
    browser.wait("#mp-pay").await;
    audit.check(&browser, "checkout").await;

    card_result(&app, &browser, "APRO").await;
    audit.check(&browser, "result: approved").await;
    card_result(&app, &browser, "OTHE").await;
    audit.check(&browser, "result: rejected").await;

    choose(&app, &browser, pending).await;
    browser.click("#mp-pay").await;
    browser.wait_for_path("/orders/").await;
    browser.wait("#payment-instructions").await;
    audit
        .check(&browser, &format!("result: pending ({pending})"))
        .await;

    choose(&app, &browser, voucher).await;
    browser.click("#mp-pay").await;
    browser.wait_for_path("/orders/").await;
    browser.wait("#voucher-link").await;
    audit
        .check(&browser, &format!("result: voucher ({voucher})"))
        .await;

    card_result(&app, &browser, "CHAL").await;
    browser.wait("#challenge-frame").await;
    audit.check(&browser, "result: 3-D Secure challenge").await;

    // An order whose call to Mercado Pago ended without an answer.
    new_shopper(&browser).await;
    to_checkout(&app, &browser).await;
    let order = latest_order(&app).await;
    sqlx::query("update orders set status = 'payment_unknown' where id = $1::uuid")
        .bind(&order)
        .execute(&app.pool)
        .await
        .unwrap();
    browser
        .client
        .goto(&app.url(&format!("/orders/{order}")))
        .await
        .unwrap();
    let status = browser.wait("#payment-status").await;
    assert_eq!(
        status.attr("data-order-status").await.unwrap().as_deref(),
        Some("payment_unknown")
    );
    audit.check(&browser, "result: unknown outcome").await;

    browser
        .client
        .goto(&app.url("/no-such-page"))
        .await
        .unwrap();
    browser.wait("main h1").await;
    audit.check(&browser, "error: not found").await;

    browser.close().await;
    audit.assert_clean();
}

/// Every back-office page: sign-in, dashboard, orders, an order, products, a product, the
/// Outbox and a mail in it.
async fn back_office_pages(site: &'static str, lang: &'static str) {
    let app = store(site).await;
    with_a_picture(&app, site).await;
    checkout::routes::admin::auth::create_admin(
        &app.pool,
        "owner@example.com",
        "a long passphrase",
    )
    .await
    .unwrap();
    let browser = driver::start().await;
    let mut audit = Audit::new(lang);
    // An order with a payment, for the lists and the detail page.
    card_result(&app, &browser, "APRO").await;
    let order = latest_order(&app).await;
    // Its e-mails, kept (no SMTP_URL) for the Outbox.
    app.mailer.pass().await.unwrap();

    let pages = [
        ("/admin/login", "#email", "admin: sign-in"),
        ("/admin", "#paid-today", "admin: dashboard"),
        ("/admin/orders", "#orders", "admin: orders"),
        (
            &format!("/admin/orders/{order}"),
            "#order-status",
            "admin: order",
        ),
        ("/admin/shipping", "#shipping-options", "admin: shipping"),
        ("/admin/products", "#products", "admin: products"),
    ];
    for (path, ready, name) in pages {
        browser.client.goto(&app.url(path)).await.unwrap();
        browser.wait(ready).await;
        audit.check(&browser, name).await;
        if path == "/admin/login" {
            sign_in(&browser, "owner@example.com", "a long passphrase").await;
        }
    }
    browser.click("#products a[href^='/admin/products/']").await;
    browser.wait("#current-picture").await;
    audit.check(&browser, "admin: product form").await;
    browser
        .client
        .goto(&app.url("/admin/outbox"))
        .await
        .unwrap();
    browser.wait("#outbox").await;
    audit.check(&browser, "admin: outbox").await;
    browser.click("#outbox a.mail-link").await;
    browser.wait("#mail-text").await;
    audit.check(&browser, "admin: outbox mail").await;

    // A physical product: the checkout's delivery step.
    app.execute("update products set needs_delivery = true")
        .await;
    app.execute(&format!(
        "insert into shipping_options (site, currency, name, price_minor)
         select '{site}', currency, 'Express', 1500 from products limit 1"
    ))
    .await;
    // Another product than the order paid above (whose cart would lead to that order).
    browser.client.goto(&app.url("/")).await.unwrap();
    browser
        .click("li.product:nth-child(2) form button[type=submit]")
        .await;
    browser.wait_for_path("/cart").await;
    browser.client.goto(&app.url("/checkout")).await.unwrap();
    browser.wait("#delivery-form").await;
    audit.check(&browser, "checkout: delivery").await;

    browser.close().await;
    audit.assert_clean();
}

#[tokio::test]
async fn shopper_pages_have_no_axe_violations_in_portuguese() {
    shopper_pages("MLB", "pt", "bank_transfer:pix", "ticket:bolbradesco").await;
}

#[tokio::test]
async fn shopper_pages_have_no_axe_violations_in_spanish() {
    // Argentina has no Pix: its pending payment is a cash voucher of another network.
    shopper_pages("MLA", "es", "ticket:pagofacil", "ticket:rapipago").await;
}

#[tokio::test]
async fn back_office_pages_have_no_axe_violations_in_portuguese() {
    back_office_pages("MLB", "pt").await;
}

#[tokio::test]
async fn back_office_pages_have_no_axe_violations_in_spanish() {
    back_office_pages("MLA", "es").await;
}
