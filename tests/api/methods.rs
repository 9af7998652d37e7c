//! Every payment method of every site, through `/process_payment` (or the wallet's
//! preference), against the emulator the store mounts in sandbox mode.

use serde_json::{json, Value};

use common::{attr, browser, card_submission, spawn_with, Options, TestApp};

/// A test document: type and number.
type Document = Option<(&'static str, &'static str)>;
/// Site, its test document, and the methods of the table besides cards and wallet.
type SiteRow = (
    &'static str,
    Document,
    &'static [(&'static str, &'static str)],
);

const SITES: [SiteRow; 7] = [
    (
        "MLB",
        Some(("CPF", "12345678909")),
        &[
            ("bank_transfer", "pix"),
            ("ticket", "bolbradesco"),
            ("ticket", "pec"),
        ],
    ),
    (
        "MLA",
        Some(("DNI", "12345678")),
        &[("ticket", "rapipago"), ("ticket", "pagofacil")],
    ),
    (
        "MLM",
        None,
        &[
            ("ticket", "oxxo"),
            ("ticket", "paycash"),
            ("atm", "bancomer"),
            ("atm", "banamex"),
        ],
    ),
    // Peru's DNI has 8 digits: the store checks it once it has Mercado Pago's list.
    ("MPE", Some(("DNI", "12345678")), &[]),
    ("MCO", Some(("CC", "123456789")), &[]),
    ("MLU", Some(("CI", "12345678")), &[]),
    ("MLC", Some(("RUT", "123456789")), &[]),
];

fn decimals_ok(site: &str, amount: &str) -> bool {
    match site {
        "MCO" | "MLC" => !amount.contains('.'),
        _ => amount.split_once('.').is_some_and(|(_, d)| d.len() == 2),
    }
}

fn offline(kind: &str, method: &str, amount: &str, site: &str, doc: Option<(&str, &str)>) -> Value {
    let mut payer =
        json!({"email": "test_user_123@testuser.com", "first_name": "Ana", "last_name": "Silva"});
    if let Some((t, n)) = doc {
        payer["identification"] = json!({"type": t, "number": n});
    }
    if method == "bolbradesco" {
        payer["address"] = json!({"zip_code": "06233200", "street_name": "Av. das Nações Unidas", "street_number": "3003",
                                  "neighborhood": "Bonfim", "city": "Osasco", "federal_unit": "SP"});
    }
    let mut form = json!({"payment_method_id": method, "transaction_amount": amount.parse::<serde_json::Number>().unwrap(), "payer": payer});
    if site == "MLM" && kind == "ticket" {
        form["metadata"] = json!({"payment_point": method});
    }
    json!({"selectedPaymentMethod": kind, "formData": form})
}

async fn last_post(app: &TestApp) -> Value {
    app.sandbox_last_payment_body().await
}

async fn pay(app: &TestApp, csrf: &str, body: &Value) -> Value {
    let res = app.pay(csrf, body).await;
    let status = res.status();
    let answer: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}: {answer}");
    answer
}

#[tokio::test]
async fn every_method_of_every_site_goes_through_against_the_sandbox() {
    for (site, doc, methods) in SITES {
        let mut app = spawn_with(Options::default().site(site).sandbox()).await;

        // Cards.
        let checkout = app.start_checkout().await;
        assert!(
            decimals_ok(site, &checkout.amount),
            "{site}: {}",
            checkout.amount
        );
        let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
        card["formData"]["payer"]["identification"] = match doc {
            Some((t, n)) => json!({"type": t, "number": n}),
            None => Value::Null,
        };
        let answer = pay(&app, &checkout.csrf, &card).await;
        assert_eq!(answer["status"], "approved", "{site} card");
        let sent = last_post(&app).await;
        assert_eq!(
            sent["transaction_amount"].to_string(),
            checkout.amount,
            "{site}: the order's amount, its decimals"
        );
        assert_eq!(sent["payment_method_id"], "master");
        assert_eq!(sent["payer"]["email"], "test_user_123@testuser.com");
        let page = app.get_html(answer["redirect_url"].as_str().unwrap()).await;
        assert!(page.contains("status-success"), "{site} card page");

        // Pix, tickets and ATM.
        for (kind, method) in methods.iter().copied() {
            app.client = browser();
            let checkout = app.start_checkout().await;
            let answer = pay(
                &app,
                &checkout.csrf,
                &offline(kind, method, &checkout.amount, site, doc),
            )
            .await;
            assert_eq!(answer["status"], "pending", "{site} {method}");
            let sent = last_post(&app).await;
            assert_eq!(sent["payment_method_id"], method);
            assert_eq!(
                sent["transaction_amount"].to_string(),
                checkout.amount,
                "{site} {method}"
            );
            assert_eq!(sent["payer"]["email"], "test_user_123@testuser.com");
            assert_eq!(
                sent["payer"]["first_name"], "Ana",
                "{site} {method}: payer fields go through"
            );
            assert_eq!(
                app.order_status(&checkout.order_id).await,
                "payment_pending"
            );
            let page = app.get_html(answer["redirect_url"].as_str().unwrap()).await;
            assert!(page.contains(&checkout.order_id));
            match method {
                "pix" => {
                    assert!(sent["date_of_expiration"].is_string(), "Pix expires");
                    assert!(
                        page.contains("id=\"pix-qr\"")
                            && page.contains("data:image/png;base64,iVBOR"),
                        "QR image"
                    );
                    assert!(
                        page.contains("id=\"pix-code\"") && page.contains("000201"),
                        "copy and paste code"
                    );
                    assert!(page.contains("id=\"copy-pix\"") && page.contains("id=\"time-left\""));
                }
                _ => {
                    assert!(
                        page.contains("id=\"voucher-link\""),
                        "{site} {method}: voucher link"
                    );
                    assert!(
                        page.contains("id=\"voucher-reference\""),
                        "{site} {method}: reference"
                    );
                    assert!(
                        page.contains("id=\"expires-at\""),
                        "{site} {method}: expiry"
                    );
                    if method == "bolbradesco" {
                        assert_eq!(sent["payer"]["address"]["zip_code"], "06233200");
                        assert_eq!(sent["payer"]["identification"]["type"], "CPF");
                        assert!(page.contains("id=\"voucher-barcode\""));
                    }
                    if site == "MLM" && kind == "ticket" {
                        assert_eq!(sent["metadata"]["payment_point"], method);
                    }
                }
            }
        }

        // Wallet: a preference made for the order, paid at "Mercado Pago", and back.
        app.client = browser();
        let checkout = app.start_checkout().await;
        let preference = attr(&checkout.html, "data-preference-id=\"").unwrap();
        assert!(
            !preference.is_empty(),
            "{site}: the Brick gets a preference"
        );
        let methods_json = attr(&checkout.html, "data-payment-methods=\"")
            .unwrap()
            .replace("&quot;", "\"")
            .replace("&#34;", "\"");
        let offered: Value = serde_json::from_str(&methods_json).unwrap();
        assert!(offered["mercadoPago"].is_string(), "{site}: wallet offered");
        let paid: Value = app
            .sandbox_control("POST", &format!("preferences/{preference}/pay"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            paid["transaction_amount"].to_string(),
            checkout.amount,
            "{site}: preference items total the order"
        );
        let back = app
            .get(&format!(
                "/orders/{}/return?status=rejected&payment_id=1",
                checkout.order_id
            ))
            .await;
        assert_eq!(back.status(), 303, "{site}");
        assert_eq!(
            app.order_status(&checkout.order_id).await,
            "paid",
            "{site}: the real status, not the query string's"
        );
        let page = app.order_page(&checkout.order_id).await;
        assert!(page.contains("status-success"), "{site} wallet page");
    }
}

#[tokio::test]
async fn a_method_the_site_does_not_offer_is_refused_and_changes_nothing() {
    let app = spawn_with(Options::default().site("MLA").sandbox()).await;
    let checkout = app.start_checkout().await;
    let res = app
        .pay(
            &checkout.csrf,
            &offline("bank_transfer", "pix", &checkout.amount, "MLA", None),
        )
        .await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "formData.payment_method_id");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("no se ofrece en este país"));
    assert!(app.sandbox_payment_posts().await.is_empty());
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
}

#[tokio::test]
async fn a_fractional_peso_amount_is_refused_in_chile() {
    let app = spawn_with(Options::default().site("MLC").sandbox()).await;
    let checkout = app.start_checkout().await;
    let mut card = card_submission(&format!("{}.5", checkout.amount));
    card["formData"]["payer"]["identification"] = json!({"type": "RUT", "number": "123456789"});
    let res = app.pay(&checkout.csrf, &card).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "amount_mismatch");
    assert!(app.sandbox_payment_posts().await.is_empty());
}
