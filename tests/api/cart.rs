use std::time::Duration;

use checkout::db::catalog::Catalog;
use checkout::db::products::Product;
use checkout::domain::Site;
use common::{csrf_of, spawn_app, spawn_with, Options};

#[tokio::test]
async fn storefront_lists_the_sites_catalog_in_its_currency() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    assert!(
        html.contains("R$ 49,90"),
        "BRL prices with Brazilian separators"
    );
    assert!(html.contains("lang=\"pt-BR\""));
    assert_eq!(app.product_ids().await.len(), 4);

    let chile = spawn_with(Options::default().site("MLC")).await;
    let html = chile.get_html("/").await;
    assert!(html.contains("$ 12.990"), "CLP has no decimals");
    assert!(!html.contains("12.990,"));
}

#[tokio::test]
async fn cart_add_change_remove_without_javascript() {
    let app = spawn_app().await;
    let ids = app.product_ids().await;
    app.add_to_cart(ids[0], 2).await;
    app.add_to_cart(ids[1], 1).await;
    let html = app.get_html("/cart").await;
    // 2 × 49,90 + 59,00
    assert!(html.contains("R$ 158,80"), "{html}");

    let csrf = csrf_of(&html);
    let res = app
        .post_form(
            "/cart/update",
            &[
                ("csrf_token", csrf.clone()),
                ("product_id", ids[0].to_string()),
                ("quantity", "1".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(app.page_says("/cart", "R$ 108,90").await);

    let res = app
        .post_form(
            "/cart/remove",
            &[
                ("csrf_token", csrf.clone()),
                ("product_id", ids[1].to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = app.get_html("/cart").await;
    assert!(html.contains("R$ 49,90") && !html.contains("R$ 59,00"));

    let res = app
        .post_form(
            "/cart/update",
            &[
                ("csrf_token", csrf),
                ("product_id", ids[0].to_string()),
                ("quantity", "0".into()),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(app.page_says("/cart", "Seu carrinho está vazio").await);
}

#[tokio::test]
async fn bad_cart_forms_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let ids = app.product_ids().await;
    app.add_to_cart(ids[0], 1).await;
    let csrf = csrf_of(&app.get_html("/").await);
    let (a, b) = (ids[0], ids[1]);
    // Each form as its fields would be encoded.
    let cases = [
        (
            "/cart/add",
            format!("csrf_token=forged&product_id={b}"),
            403,
        ),
        // The token is checked before anything else, even whether the product exists.
        (
            "/cart/add",
            "csrf_token=forged&product_id=999999".to_string(),
            403,
        ),
        ("/cart/add", format!("product_id={b}"), 400),
        (
            "/cart/add",
            format!("csrf_token={csrf}&product_id=999999"),
            404,
        ),
        (
            "/cart/add",
            format!("csrf_token={csrf}&product_id={b}&quantity=0"),
            400,
        ),
        (
            "/cart/add",
            format!("csrf_token={csrf}&product_id={b}&quantity=-3"),
            400,
        ),
        (
            "/cart/add",
            format!("csrf_token={csrf}&product_id=abc"),
            400,
        ),
        (
            "/cart/update",
            format!("csrf_token={csrf}&product_id={a}&quantity=100"),
            400,
        ),
    ];
    for (path, fields, status) in cases {
        let form: Vec<(&str, String)> = fields
            .split('&')
            .map(|field| {
                let (name, value) = field.split_once('=').unwrap();
                (name, value.to_string())
            })
            .collect();
        let res = app.post_form(path, &form).await;
        assert_eq!(res.status().as_u16(), status, "{path} {form:?}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("<h1>"),
            "a person-readable page, not a bare status: {page}"
        );
    }
    let html = app.get_html("/cart").await;
    assert!(
        html.contains("R$ 49,90") && !html.contains("R$ 59,00"),
        "cart unchanged"
    );
}

#[tokio::test]
async fn each_cart_form_is_told_once_in_the_pages_live_region() {
    let app = spawn_app().await;
    let ids = app.product_ids().await;
    let notice = |html: &str| {
        let start = html
            .find(r#"<p id="cart-notice" role="status">"#)
            .expect("live region")
            + 34;
        html[start..start + html[start..].find("</p>").unwrap()].to_string()
    };
    app.add_to_cart(ids[0], 1).await;
    let html = app.get_html("/cart").await;
    assert_eq!(notice(&html), "Produto adicionado ao carrinho.");
    // Told once: a reload keeps the region but empties it.
    let html = app.get_html("/cart").await;
    assert_eq!(notice(&html), "");

    let form = |quantity: Option<&str>| {
        let mut f = vec![
            ("csrf_token", csrf_of(&html)),
            ("product_id", ids[0].to_string()),
        ];
        if let Some(q) = quantity {
            f.push(("quantity", q.to_string()));
        }
        f
    };
    app.post_form("/cart/update", &form(Some("3"))).await;
    assert_eq!(notice(&app.get_html("/cart").await), "Carrinho atualizado.");
    // A refused form changes nothing and tells nothing.
    assert_eq!(
        app.post_form("/cart/update", &form(None)).await.status(),
        400
    );
    let html_after = app.get_html("/cart").await;
    assert_eq!(notice(&html_after), "");
    assert!(html_after.contains(r#"value="3""#));
    app.post_form("/cart/remove", &form(None)).await;
    assert_eq!(
        notice(&app.get_html("/cart").await),
        "Produto removido do carrinho."
    );
}

/// A page never waits in the database's queue for the catalog to be read again: under a
/// burst of payments that queue is long. It gets the copy in memory while the read runs, and
/// the pages after that read get the edit.
#[tokio::test]
async fn a_catalog_being_read_again_is_served_at_once_from_memory() {
    let app = spawn_app().await;
    let ttl = Duration::from_secs(2);
    let catalog = Catalog::start_with_ttl(app.pool.clone(), Site::Mlb.currency(), ttl);
    let before = prices(&catalog.active(&app.pool).await.unwrap());
    // An edit still in progress holds the table: every read of the catalog waits for it.
    let edit = edit_holding_the_table(&app).await;
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    let served = served_at_once(&catalog, &app).await;
    assert_eq!(prices(&served), before, "the copy in memory");
    edit.commit().await.unwrap();
    common::eventually("the edit is served", Duration::from_secs(10), || async {
        prices(&catalog.active(&app.pool).await.unwrap()) != before
    })
    .await;
}

/// A store nobody visited for a while still has a fresh catalog when a burst arrives: it is
/// read again on its own, not by the first page after the quiet.
#[tokio::test]
async fn an_idle_catalog_is_kept_fresh_without_any_page() {
    let app = spawn_app().await;
    let ttl = Duration::from_secs(1);
    let catalog = Catalog::start_with_ttl(app.pool.clone(), Site::Mlb.currency(), ttl);
    let before = prices(&catalog.active(&app.pool).await.unwrap());
    app.execute("update products set price_minor = price_minor + 1")
        .await;
    tokio::time::sleep(ttl * 3).await;
    let _edit = edit_holding_the_table(&app).await;
    let served = served_at_once(&catalog, &app).await;
    assert_ne!(prices(&served), before, "read again while nobody asked");
}

/// What a page gets from the catalog, within a second whatever the database is doing.
async fn served_at_once(catalog: &Catalog, app: &common::TestApp) -> std::sync::Arc<Vec<Product>> {
    tokio::time::timeout(Duration::from_secs(1), catalog.active(&app.pool))
        .await
        .expect("served without waiting for the database")
        .unwrap()
}

fn prices(products: &[Product]) -> Vec<checkout::domain::Money> {
    products.iter().map(|p| p.price).collect()
}

async fn edit_holding_the_table(
    app: &common::TestApp,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut edit = app.pool.begin().await.unwrap();
    sqlx::query("update products set price_minor = price_minor + 1")
        .execute(&mut *edit)
        .await
        .unwrap();
    sqlx::query("lock table products in access exclusive mode")
        .execute(&mut *edit)
        .await
        .unwrap();
    edit
}
