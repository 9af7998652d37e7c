use common::{spawn_app, spawn_with, Options};
use serde_json::Value;

#[tokio::test]
async fn result_page_speaks_the_sites_language() {
    for (site, words, document) in [
        ("MLB", "Pagamento aprovado", "CPF"),
        ("MLA", "Pago aprobado", "DNI"),
    ] {
        let app = spawn_with(Options::default().site(site)).await;
        app.mp_answers("approved", "accredited").await;
        let checkout = app.start_checkout().await;
        let mut submission = checkout.card();
        submission["formData"]["payer"]["identification"]["type"] = document.into();
        let res = app.pay(&checkout.csrf, &submission).await;
        let body: Value = res.json().await.unwrap();
        let page = app.get_html(body["redirect_url"].as_str().unwrap()).await;
        assert!(
            page.to_lowercase().contains(&words.to_lowercase()),
            "{site}: {page}"
        );
    }
}

#[tokio::test]
async fn unknown_or_malformed_order_ids_are_404_pages() {
    let app = spawn_app().await;
    app.get_html("/").await;
    for path in [
        "/orders/not-a-uuid",
        "/orders/6f1c2a52-3c3e-4a57-9c39-5b4a0c8f0e11",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404);
        assert!(res.text().await.unwrap().contains("Página não encontrada"));
    }
}
