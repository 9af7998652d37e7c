//! The dashboard's pictures: three SVG charts, each with a title, a description and its
//! numbers as a table, in the site's language, currency and days.

use common::{spawn_with_admin, Options, TestApp};

/// Paid orders today (R$ 100,00 + R$ 50,50) and three days ago (R$ 20,00), one paid 40 days
/// ago (outside the chart), a rejected and a pending one; their payments by method.
async fn seed(app: &TestApp) {
    app.execute(
        r#"insert into orders (id, shopper_id, site, currency, total_minor, status, cart_fingerprint, created_at, updated_at) values
             ('00000000-0000-0000-0000-000000000001', gen_random_uuid(), 'MLB', 'BRL', 10000, 'paid', 'x', now() - interval '2 minutes', now() - interval '1 minute'),
             ('00000000-0000-0000-0000-000000000002', gen_random_uuid(), 'MLB', 'BRL', 5050, 'paid', 'x', now() - interval '2 minutes', now() - interval '1 minute'),
             ('00000000-0000-0000-0000-000000000003', gen_random_uuid(), 'MLB', 'BRL', 2000, 'partially_refunded', 'x', now() - interval '3 days', now()),
             ('00000000-0000-0000-0000-000000000004', gen_random_uuid(), 'MLB', 'BRL', 99900, 'paid', 'x', now() - interval '40 days', now() - interval '40 days'),
             ('00000000-0000-0000-0000-000000000005', gen_random_uuid(), 'MLB', 'BRL', 7000, 'rejected', 'x', now(), now()),
             ('00000000-0000-0000-0000-000000000006', gen_random_uuid(), 'MLB', 'BRL', 3000, 'payment_pending', 'x', now(), now())"#,
    )
    .await;
    // Order 3 was paid three days ago and partly refunded today: it counts on the day it was paid.
    app.execute(
        r#"insert into order_history (order_id, from_status, to_status, source, created_at) values
             ('00000000-0000-0000-0000-000000000001', 'processing', 'paid', 'checkout', now() - interval '1 minute'),
             ('00000000-0000-0000-0000-000000000002', 'processing', 'paid', 'webhook', now() - interval '1 minute'),
             ('00000000-0000-0000-0000-000000000003', 'processing', 'paid', 'checkout', now() - interval '3 days'),
             ('00000000-0000-0000-0000-000000000003', 'paid', 'partially_refunded', 'admin', now()),
             ('00000000-0000-0000-0000-000000000004', 'processing', 'paid', 'checkout', now() - interval '40 days')"#,
    )
    .await;
    app.execute(
        r#"insert into payments (id, order_id, status, status_detail, payment_method_id, currency, amount_minor, raw, created_at) values
             (901, '00000000-0000-0000-0000-000000000001', 'approved', 'accredited', 'pix', 'BRL', 10000, '{}', now() - interval '1 minute'),
             (902, '00000000-0000-0000-0000-000000000002', 'approved', 'accredited', 'pix', 'BRL', 5050, '{}', now() - interval '1 minute'),
             (903, '00000000-0000-0000-0000-000000000003', 'approved', 'accredited', 'visa', 'BRL', 2000, '{}', now() - interval '3 days'),
             (904, '00000000-0000-0000-0000-000000000004', 'approved', 'accredited', 'master', 'BRL', 99900, '{}', now() - interval '40 days'),
             (905, '00000000-0000-0000-0000-000000000005', 'rejected', 'cc_rejected_other_reason', 'master', 'BRL', 7000, '{}', now())"#,
    )
    .await;
}

/// The part of `html` from `from` to the next `to`.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {html}"));
    let end = html[start..].find(to).unwrap() + start;
    &html[start..end]
}

#[tokio::test]
async fn the_dashboard_draws_three_charts_with_their_numbers_as_tables() {
    let app = spawn_with_admin(Options::default()).await;
    seed(&app).await;
    let admin = app.admin().await;
    let html = common::html_of(&admin, app.url("/admin")).await;

    // Three pictures, each an image with a title and a description for screen readers.
    for id in ["revenue", "status", "methods"] {
        let svg = between(&html, &format!("<svg id=\"{id}-chart\""), "</svg>");
        assert!(svg.contains("role=\"img\""), "{svg}");
        assert!(
            svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")),
            "{svg}"
        );
        assert!(svg.contains(&format!("<title id=\"{id}-title\">")), "{svg}");
        assert!(svg.contains(&format!("<desc id=\"{id}-desc\">")), "{svg}");
    }
    assert!(!html.contains("<script"), "no script draws them");

    // Revenue per day, in the site's days (São Paulo) and currency.
    let today = app
        .text("select to_char(now() at time zone 'America/Sao_Paulo', 'DD/MM/YYYY')")
        .await;
    let three_days_ago = app
        .text("select to_char((now() - interval '3 days') at time zone 'America/Sao_Paulo', 'DD/MM/YYYY')")
        .await;
    let svg = between(&html, "<svg id=\"revenue-chart\"", "</svg>");
    assert!(
        svg.contains("Receita paga por dia, últimos 30 dias"),
        "{svg}"
    );
    assert!(
        svg.contains(&format!(
            "Total de R$ 170,50 em 30 dias; o melhor dia foi {today}, com R$ 150,50."
        )),
        "{svg}"
    );
    // The best day fills the plot (176 px); R$ 20,00 is 176 × 2000 / 15050 = 23 px.
    assert_eq!(svg.matches("<rect ").count(), 30);
    assert!(svg.contains("height=\"176\""), "{svg}");
    assert!(svg.contains("height=\"23\""), "{svg}");
    assert_eq!(svg.matches("height=\"0\"").count(), 28);
    let table = between(&html, "<table id=\"revenue-table\"", "</table>");
    assert_eq!(table.matches("<tr><td>").count(), 30);
    assert!(
        table.contains(&format!("<tr><td>{today}</td><td>R$ 150,50</td></tr>")),
        "{table}"
    );
    assert!(
        table.contains(&format!(
            "<tr><td>{three_days_ago}</td><td>R$ 20,00</td></tr>"
        )),
        "{table}"
    );
    assert_eq!(table.matches("R$ 0,00").count(), 28);

    // Payment methods: approved payments of the last 30 days.
    let table = between(&html, "<table id=\"methods-table\"", "</table>");
    assert!(
        table.contains("<tr><td>pix</td><td>2</td><td>R$ 150,50</td></tr>"),
        "{table}"
    );
    assert!(
        table.contains("<tr><td>visa</td><td>1</td><td>R$ 20,00</td></tr>"),
        "{table}"
    );
    assert!(!table.contains("master"), "{table}");
    let svg = between(&html, "<svg id=\"methods-chart\"", "</svg>");
    assert!(svg.contains("3 pagamentos aprovados em 30 dias"), "{svg}");
    assert!(svg.contains("R$ 150,50 (2)"), "{svg}");

    // Orders by status: every order, labelled in the site's language.
    let svg = between(&html, "<svg id=\"status-chart\"", "</svg>");
    assert!(svg.contains("6 pedidos ao todo"), "{svg}");
    let table = between(&html, "<table id=\"status-table\"", "</table>");
    assert!(
        table.contains("data-status=\"paid\">Pago</a></td><td>3</td>"),
        "{table}"
    );
}
