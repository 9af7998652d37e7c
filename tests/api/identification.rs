//! Document types come from Mercado Pago (`GET /v1/identification_types`), as the Brick's do:
//! a type its list holds is checked against it, a type it does not hold goes on to Mercado
//! Pago (our list may be the stale one) and its refusal is explained to the shopper.

use std::time::Duration;

use serde_json::{json, Value};

use common::{eventually, json_of, spawn_app, spawn_with, Options, TestApp};

async fn sandbox_store(site: &'static str) -> TestApp {
    spawn_with(Options::default().site(site).sandbox()).await
}

/// Waits until the store checks documents against the emulator's list. The probe is a
/// voucher whose address is incomplete, with a `kind` document of the wrong length: the
/// address is checked after the document, so the answer names the document once the store
/// has the list (the built-in table knows no lengths), the address until then. Nothing is
/// stored or sent either way.
async fn until_the_list_is_read(app: &TestApp, csrf: &str, method: &str, kind: &str) {
    eventually(
        "the emulator was asked for the document types",
        Duration::from_secs(10),
        || app.sandbox_was_asked("GET", "/v1/identification_types"),
    )
    .await;
    let probe = json!({"selectedPaymentMethod": "ticket", "formData": {
        "payment_method_id": method, "transaction_amount": 1,
        "payer": {"email": "test_user_123@testuser.com", "first_name": "Ana", "last_name": "Silva",
                  "identification": {"type": kind, "number": "1"}, "address": {}}}});
    eventually(
        "the store checks documents against Mercado Pago's list",
        Duration::from_secs(5),
        || async {
            let (status, body) = json_of(app.pay(csrf, &probe).await).await;
            assert_eq!(status, 400, "{body}");
            body["field"] == "formData.payer.identification.number"
        },
    )
    .await;
}

#[tokio::test]
async fn a_type_only_mercado_pagos_list_holds_is_checked_and_paid_with() {
    // Argentina: the emulator lists CUIT, the built-in table does not.
    let app = sandbox_store("MLA").await;
    let checkout = app.start_checkout().await;
    until_the_list_is_read(&app, &checkout.csrf, "rapipago", "CUIT").await;

    let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
    card["formData"]["payer"]["identification"] = json!({"type": "cuit", "number": "2012345678"});
    let (status, body) = json_of(app.pay(&checkout.csrf, &card).await).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], "formData.payer.identification.number");
    assert_eq!(body["message"], "el CUIT debe tener 11 dígitos");
    assert!(app.sandbox_payment_posts().await.is_empty());

    card["formData"]["payer"]["identification"] =
        json!({"type": "cuit", "number": "20-12345678-6"});
    let (status, body) = json_of(app.pay(&checkout.csrf, &card).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    let posts = app.sandbox_payment_posts().await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0]["body"]["payer"]["identification"],
        json!({"type": "CUIT", "number": "20123456786"}),
        "Mercado Pago's spelling, the separators stripped"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}

#[tokio::test]
async fn a_type_outside_the_list_goes_on_and_mercado_pagos_refusal_is_explained() {
    let app = sandbox_store("MLB").await;
    let checkout = app.start_checkout().await;
    until_the_list_is_read(&app, &checkout.csrf, "pec", "CPF").await;

    let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
    card["formData"]["payer"]["identification"] = json!({"type": "RG", "number": "123456789"});
    let (status, body) = json_of(app.pay(&checkout.csrf, &card).await).await;

    let posts = app.sandbox_payment_posts().await;
    assert_eq!(posts.len(), 1, "we did not refuse it: Mercado Pago did");
    assert_eq!(posts[0]["body"]["payer"]["identification"]["type"], "RG");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "payment_refused");
    assert_eq!(body["field"], "formData.payer.identification");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Confira o tipo e o número do documento")
            && message.contains("nada foi cobrado"),
        "{message}"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "created");

    // Still payable, with a document Mercado Pago takes.
    card["formData"]["token"] = app.sandbox_token("APRO").await.into();
    card["formData"]["payer"]["identification"] = json!({"type": "CPF", "number": "12345678909"});
    let (status, body) = json_of(app.pay(&checkout.csrf, &card).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
}

#[tokio::test]
async fn a_cpf_of_the_wrong_length_is_refused_before_any_call() {
    let app = sandbox_store("MLB").await;
    let checkout = app.start_checkout().await;
    until_the_list_is_read(&app, &checkout.csrf, "pec", "CPF").await;

    for (kind, number, message) in [
        ("CPF", "1234567890", "o CPF deve ter 11 dígitos"),
        ("cpf", "123.456.789-091", "o CPF deve ter 11 dígitos"),
        ("CNPJ", "12345678909", "o CNPJ deve ter 14 dígitos"),
        ("CPF", "1234567890X", "o CPF deve conter apenas dígitos"),
    ] {
        let mut card = app.sandbox_card(&checkout.amount, "APRO").await;
        card["formData"]["payer"]["identification"] = json!({"type": kind, "number": number});
        let (status, body) = json_of(app.pay(&checkout.csrf, &card).await).await;
        assert_eq!(status, 400, "{kind} {number}: {body}");
        assert_eq!(body["error"], "invalid_payment_data");
        assert_eq!(body["field"], "formData.payer.identification.number");
        assert_eq!(body["message"], message);
    }
    assert!(app.sandbox_payment_posts().await.is_empty());
    assert_eq!(app.order_status(&checkout.order_id).await, "created");
}

#[tokio::test]
async fn without_mercado_pagos_list_the_built_in_table_serves() {
    // The mock has nothing at /v1/identification_types: the store's read gets a 404.
    let app = spawn_app().await;
    eventually(
        "the store asked for the document types",
        Duration::from_secs(5),
        || async {
            !app.mp_requests("GET", "/v1/identification_types")
                .await
                .is_empty()
        },
    )
    .await;
    app.mp_answers("approved", "accredited").await;
    let checkout = app.start_checkout().await;
    let mut card = checkout.card();
    card["formData"]["payer"]["identification"] =
        json!({"type": "cpf", "number": "123.456.789-09"});
    let (status, body) = json_of(app.pay(&checkout.csrf, &card).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    let calls = app.payment_calls().await;
    let sent: Value = serde_json::from_slice(&calls[0].body).unwrap();
    assert_eq!(
        sent["payer"]["identification"],
        json!({"type": "CPF", "number": "123.456.789-09"}),
        "the built-in table's spelling; its types have no known form, so the number goes as typed"
    );
    assert_eq!(app.order_status(&checkout.order_id).await, "paid");
    let get = &app.mp_requests("GET", "/v1/identification_types").await[0];
    assert_eq!(
        get.headers["authorization"],
        format!("Bearer {}", common::ACCESS_TOKEN)
    );
}
