//! Issue 16, points 3 and 4: e-mails through the outbox, sent to a REAL local SMTP server
//! (`scripts/ensure-smtp`, started by `scripts/test`: TEST_SMTP_URL, TEST_SMTP_DIR), the short
//! order number and the signed order link. Each test finds its mail by a unique recipient.
//! Without the server these tests fail; they never skip.

use std::collections::BTreeSet;
use std::time::Duration;

use checkout::mail::worker::Stop;
use serde_json::{json, Value};

use common::{
    browser, header, link_in, received, smtp_url, spawn_with_admin, unique, wait_for_mail,
    with_token, Options, TestApp,
};

async fn store(env: Vec<(&'static str, String)>) -> TestApp {
    let mut options = Options::default().sandbox();
    options.env = env;
    spawn_with_admin(options).await
}

async fn pay_card(app: &TestApp, email: &str, cardholder: &str) -> (String, Value) {
    let checkout = app.start_checkout().await;
    let token = app.sandbox_token(cardholder).await;
    let mut body = with_token(&checkout.amount, &token);
    body["formData"]["payer"]["email"] = email.into();
    let res = app.pay(&checkout.csrf, &body).await;
    assert_eq!(res.status(), 200);
    (checkout.order_id, res.json().await.unwrap())
}

async fn pay_pix(app: &TestApp, email: &str) -> (String, i64) {
    let checkout = app.start_checkout().await;
    let body = json!({"selectedPaymentMethod": "bank_transfer", "formData": {"payment_method_id": "pix",
        "transaction_amount": checkout.amount.parse::<serde_json::Number>().unwrap(), "payer": {"email": email}}});
    let answer: Value = app.pay(&checkout.csrf, &body).await.json().await.unwrap();
    assert_eq!(answer["status"], "pending", "{answer}");
    (checkout.order_id, answer["payment_id"].as_i64().unwrap())
}

/// A Pix whose outcome (the sandbox's `action`, moving the order to `decided`) is notified
/// before the mail worker's turn, then one pass: the shopper's two mails, the first of them
/// how to pay, since the pending move is decided on the status detail it was written with
/// (waiting for the transfer), not on what the payment has become. Returns the order, its
/// number and the mails.
async fn pix_decided_before_the_workers_turn(
    app: &TestApp,
    action: &str,
    decided: &str,
) -> (String, i64, Vec<String>) {
    let buyer = unique(action);
    let (order, payment) = pay_pix(app, &buyer).await;
    let number = number_of(app, &order).await;
    app.sandbox_payment_action(payment, action).await;
    app.wait_for_status(&order, decided).await;
    app.notifications_processed().await;
    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 2).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(
        header(&mails[0], "Subject"),
        format!("Pedido #{number}: veja como pagar")
    );
    (order, number, mails)
}

async fn number_of(app: &TestApp, order: &str) -> i64 {
    app.count(&format!("select number from orders where id = '{order}'"))
        .await
}

#[tokio::test]
async fn a_card_approval_mails_the_shopper_once_and_the_merchant_and_the_link_opens_the_order() {
    let (buyer, merchant) = (unique("buyer"), unique("merchant"));
    let app = store(vec![
        ("SMTP_URL", smtp_url()),
        ("MERCHANT_EMAIL", merchant.clone()),
        ("MAIL_FROM", "Loja Teste <loja@example.com>".into()),
    ])
    .await;
    let (order, answer) = pay_card(&app, &buyer, "APRO").await;
    assert_eq!(answer["status"], "approved");
    let number = number_of(&app, &order).await;
    assert!(number >= 1001);

    assert_eq!(app.mailer.pass().await.unwrap(), 2);
    let mails = wait_for_mail(&buyer, 1).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(
        header(mail, "Subject"),
        format!("Pedido #{number} confirmado")
    );
    assert!(header(mail, "From").contains("loja@example.com"));
    assert!(header(mail, "Message-ID").starts_with("<outbox."));
    assert!(mail.contains("Recebemos o seu pagamento"), "{mail}");
    assert!(
        mail.contains("R$") && mail.contains("158,80"),
        "total: {mail}"
    );
    assert!(mail.contains("Forma de pagamento: master"), "{mail}");
    assert!(
        !mail.contains(&format!("Pedido {order}")),
        "the uuid is internal"
    );

    let merchant_mails = wait_for_mail(&merchant, 1).await;
    assert_eq!(merchant_mails.len(), 1);
    assert_eq!(
        header(&merchant_mails[0], "Subject"),
        format!("Novo pedido pago #{number}")
    );
    assert!(merchant_mails[0].contains(&buyer));

    // The e-mail's link opens the order in a browser that never saw the shop.
    let link = link_in(mail, "Ver o pedido");
    // Sandbox mode: the store's public URL is the address it bound.
    assert!(
        link.starts_with(&app.url(&format!("/orders/{order}?t="))),
        "{link}"
    );
    let path = link.trim_start_matches(&app.address);
    let stranger = browser();
    let res = stranger.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains(&format!("#{number}")), "{page}");
    assert!(page.contains("Pagamento aprovado"));
    // Without the token, that browser gets nothing.
    let res = stranger
        .get(app.url(&format!("/orders/{order}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // A second pass sends nothing more.
    assert_eq!(app.mailer.pass().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received(&buyer).len(), 1);
    assert_eq!(received(&merchant).len(), 1);
}

#[tokio::test]
async fn a_tampered_or_expired_order_link_is_refused_and_shows_nothing() {
    let app = store(vec![]).await;
    let (order, _) = pay_card(&app, &unique("buyer"), "APRO").await;
    let number = number_of(&app, &order).await;
    let id = checkout::domain::OrderId::parse(&order).unwrap();
    let links = checkout::mail::OrderLinks::new(
        common::SESSION_KEY.as_bytes(),
        Duration::from_secs(30 * 86_400),
    );
    let now = time::OffsetDateTime::now_utc();
    let good = links.token(id, now);
    let (expires, tag) = good.split_once('.').unwrap();
    let other = checkout::domain::OrderId::new();
    let expired = links.token(id, now - time::Duration::days(31));
    let cases = [
        (
            format!("{}.{tag}", expires.parse::<i64>().unwrap() + 86_400),
            403,
            "Link inválido",
        ),
        (
            format!("{expires}.{}", "0".repeat(64)),
            403,
            "Link inválido",
        ),
        (links.token(other, now), 403, "Link inválido"),
        ("nonsense".to_string(), 403, "Link inválido"),
        (expired, 410, "Link expirado"),
    ];
    for (token, status, words) in cases {
        let res = browser()
            .get(app.url(&format!("/orders/{order}?t={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{token}");
        let page = res.text().await.unwrap();
        assert!(page.contains(words), "{token}: {page}");
        assert!(
            !page.contains(&format!("#{number}")),
            "{token}: shows the order"
        );
        assert!(!page.contains("158,80"), "{token}: shows the order");
    }
    // The status poll refuses the same way.
    let res = browser()
        .get(app.url(&format!("/orders/{order}/status?t=nonsense")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // And the good one opens it.
    let res = browser()
        .get(app.url(&format!("/orders/{order}?t={good}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_pending_pix_mails_how_to_pay_then_its_approval_mails_the_status_once() {
    let buyer = unique("pix");
    let app = store(vec![("SMTP_URL", smtp_url())]).await;
    let (order, payment) = pay_pix(&app, &buyer).await;
    let number = number_of(&app, &order).await;
    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 1).await;
    assert_eq!(mails.len(), 1);
    let first = &mails[0];
    assert_eq!(
        header(first, "Subject"),
        format!("Pedido #{number}: veja como pagar")
    );
    assert!(first.contains("Como pagar"), "{first}");
    assert!(first.contains("000201"), "the Pix code: {first}");
    assert!(first.contains("Pague até"), "{first}");

    // The approval arrives (by webhook), twice: one status mail.
    app.sandbox_payment_action(payment, "approve").await;
    app.wait_for_status(&order, "paid").await;
    for _ in 0..2 {
        app.notify_signed(payment, common::now_ms(), "again").await;
    }
    app.notifications_processed().await;
    app.mailer.pass().await.unwrap();
    let mails = wait_for_mail(&buyer, 2).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(
        header(&mails[1], "Subject"),
        format!("Pedido #{number}: pagamento aprovado")
    );
    assert!(mails[1].contains("foi aprovado"));
    assert!(!mails[1].contains("Como pagar"));
    app.assert_count(
        &format!(
            "select count(*) from outbox where order_id = '{order}' and recipient is not null"
        ),
        2,
    )
    .await;
    app.mailer.pass().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received(&buyer).len(), 2);
}

#[tokio::test]
async fn a_worker_that_crashes_mid_send_delivers_each_mail_once_per_message_id() {
    let buyer = unique("crash");
    let app = store(vec![("SMTP_URL", smtp_url())]).await;
    let (order, _) = pay_card(&app, &buyer, "APRO").await;
    let row = format!("select count(*) from outbox where order_id = '{order}' and status = 'sent'");
    let expire_lease = "update outbox set claimed_until = now() - interval '1 second' where claimed_until is not null";

    // Dies right after claiming: nothing sent, and the row is held while the lease lasts.
    app.mailer.pass_until(Stop::AfterClaim).await.unwrap();
    assert_eq!(
        app.mailer.pass().await.unwrap(),
        0,
        "a live lease is respected"
    );
    app.execute(expire_lease).await;

    // Dies after the server took the mail, before marking it sent.
    // (The merchant's mail, with no MERCHANT_EMAIL, is settled as skipped in that pass.)
    assert_eq!(app.mailer.pass_until(Stop::AfterSend).await.unwrap(), 2);
    wait_for_mail(&buyer, 1).await;
    app.assert_count(&row, 0).await;
    // What was sent is kept with the row (written with the lease renewed before the send).
    app.assert_count(
        &format!(
            "select count(*) from outbox where order_id = '{order}' and kind = 'confirmation' \
             and subject is not null and body_text is not null and body_html is not null"
        ),
        1,
    )
    .await;
    assert_eq!(
        app.mailer.pass().await.unwrap(),
        0,
        "a live lease is respected"
    );
    app.execute(expire_lease).await;

    // The next worker sends it again, as the same message, and marks it sent.
    assert_eq!(app.mailer.pass().await.unwrap(), 1);
    let copies = wait_for_mail(&buyer, 2).await;
    app.assert_count(&row, 1).await;
    assert_eq!(app.mailer.pass().await.unwrap(), 0);
    let ids: BTreeSet<&str> = copies.iter().map(|m| header(m, "Message-ID")).collect();
    assert_eq!(
        copies.len(),
        2,
        "at least once: the crashed send and the retry"
    );
    assert_eq!(
        ids.len(),
        1,
        "exactly one after de-duplication by Message-ID: {ids:?}"
    );
    let subjects: BTreeSet<&str> = copies.iter().map(|m| header(m, "Subject")).collect();
    assert_eq!(subjects.len(), 1, "every try sends the same mail");

    // The same news again queues nothing: the history's dedup keys, and `queue`'s.
    let before = app.count("select count(*) from outbox").await;
    for _ in 0..2 {
        app.execute(&format!(
            "insert into order_history (order_id, from_status, to_status, source) \
             values ('{order}', 'created', 'paid', 'webhook')"
        ))
        .await;
    }
    assert_eq!(
        checkout::db::outbox::derive(&app.pool, 100).await.unwrap(),
        2,
        "both moves read"
    );
    app.assert_count("select count(*) from outbox", before)
        .await;
    let id = checkout::domain::OrderId::parse(&order).unwrap();
    let mail = checkout::db::outbox::NewMail {
        kind: "shipped",
        order_id: id,
        payment_id: None,
        event_status: "shipped",
        recipient: Some(&buyer),
    };
    assert!(checkout::db::outbox::queue(&app.pool, &mail).await.unwrap());
    assert!(!checkout::db::outbox::queue(&app.pool, &mail).await.unwrap());
    app.assert_count("select count(*) from outbox", before + 1)
        .await;
}

#[tokio::test]
async fn without_smtp_mails_are_kept_and_shown_in_the_back_office_outbox() {
    let buyer = unique("kept");
    let app = store(vec![]).await;
    let (order, _) = pay_card(&app, &buyer, "APRO").await;
    let number = number_of(&app, &order).await;
    app.mailer.pass().await.unwrap();
    app.assert_count(
        &format!("select count(*) from outbox where order_id = '{order}' and kind = 'confirmation' and status = 'kept'"),
        1,
    )
    .await;
    // No MERCHANT_EMAIL: the merchant's mail has nobody to go to.
    app.assert_count(
        &format!("select count(*) from outbox where order_id = '{order}' and kind = 'merchant_paid' and status = 'skipped'"),
        1,
    )
    .await;
    assert!(received(&buyer).is_empty());

    let admin = app.admin().await;
    let list = common::html_of(&admin, app.url("/admin/outbox")).await;
    assert!(list.contains("Sem SMTP_URL"), "{list}");
    assert!(list.contains(&buyer));
    assert!(
        list.contains(&format!("Pedido #{number} confirmado")),
        "{list}"
    );
    let id = app
        .count(&format!(
            "select id from outbox where order_id = '{order}' and kind = 'confirmation'"
        ))
        .await;
    let one = common::html_of(&admin, app.url(&format!("/admin/outbox/{id}"))).await;
    assert!(one.contains("Recebemos o seu pagamento"), "{one}");
    assert!(
        one.contains(&format!("/orders/{order}?t=")),
        "the signed link: {one}"
    );
    // Not for shoppers.
    let res = browser()
        .get(app.url("/admin/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn the_short_order_number_is_shown_to_shoppers_and_merchants_and_in_the_csv() {
    let app = spawn_with_admin(Options::default().sandbox()).await;
    let (order, answer) = pay_card(&app, &unique("number"), "APRO").await;
    let number = number_of(&app, &order).await;
    let page = app.get_html(answer["redirect_url"].as_str().unwrap()).await;
    assert!(page.contains(&format!("#{number}")), "{page}");
    assert!(!page.contains(&format!("<code>{order}</code>")));
    let admin = app.admin().await;
    let list = common::html_of(&admin, app.url("/admin/orders")).await;
    assert!(list.contains(&format!("#{number}")));
    let found = common::html_of(&admin, app.url(&format!("/admin/orders?q=%23{number}"))).await;
    assert!(
        found.contains(&format!("/admin/orders/{order}")),
        "search by #number"
    );
    let detail = common::html_of(&admin, app.url(&format!("/admin/orders/{order}"))).await;
    assert!(detail.contains(&format!("#{number}")));
    let csv = common::text_of(&admin, app.url("/admin/orders.csv")).await;
    assert!(csv.starts_with("order_number,order_id,"), "{csv}");
    assert!(csv.contains(&format!("\n{number},{order},")), "{csv}");
}

#[tokio::test]
async fn a_pix_left_unpaid_mails_that_it_expired_once() {
    let app = store(vec![("SMTP_URL", smtp_url())]).await;
    let (order, number, mails) =
        pix_decided_before_the_workers_turn(&app, "expire", "cancelled").await;
    assert_eq!(
        header(&mails[1], "Subject"),
        format!("Pedido #{number}: pagamento expirado ou cancelado")
    );
    assert!(mails[1].contains("Nada foi cobrado"));
    // Nothing for the merchant: the order was never paid.
    app.assert_count(
        &format!(
            "select count(*) from outbox where order_id = '{order}' and kind = 'merchant_paid'"
        ),
        0,
    )
    .await;
}

#[tokio::test]
async fn a_burst_of_mails_goes_out_in_one_tick_not_twenty_per_interval() {
    let buyer = unique("burst");
    let app = store(vec![("SMTP_URL", smtp_url())]).await;
    let (order, _) = pay_card(&app, &buyer, "APRO").await;
    checkout::db::outbox::derive(&app.pool, 100).await.unwrap();
    // The confirmation of 44 more paid orders, as a burst of payments would queue them.
    app.execute(&format!(
        "insert into outbox (kind, dedup_key, order_id, payment_id, event_status, recipient)
         select kind, dedup_key || ':' || g, order_id, payment_id, event_status, recipient
         from outbox, generate_series(1, 44) g
         where order_id = '{order}' and kind = 'confirmation'"
    ))
    .await;

    // 46 due (45 confirmations and the merchant's skipped mail): more than two batches.
    assert_eq!(app.mailer.drain().await.unwrap(), 46);
    app.assert_count(
        &format!("select count(*) from outbox where order_id = '{order}' and status = 'queued'"),
        0,
    )
    .await;
    assert_eq!(wait_for_mail(&buyer, 45).await.len(), 45);
    assert_eq!(app.mailer.drain().await.unwrap(), 0);
}

#[tokio::test]
async fn the_worker_finds_the_oldest_due_mails_in_an_index_without_sorting_the_backlog() {
    let app = store(vec![]).await;
    let mut conn = app.pool.acquire().await.unwrap();
    // Sorting made the planner's last resort: a plan still sorting has no index to read from.
    sqlx::query("set enable_sort = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    // The claim's scan (`db::outbox::claim`).
    let plan: Vec<String> = sqlx::query_scalar(
        "explain select id from outbox
         where status = 'queued' and next_attempt_at <= now()
           and (claimed_until is null or claimed_until < now())
         order by next_attempt_at, id limit 20 for update skip locked",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(
        plan.iter().all(|l| !l.contains("Sort"))
            && plan.iter().any(|l| l.contains("outbox_due_idx")),
        "{plan:#?}"
    );
}

/// A mailer of `app`'s database that gives way to `lender`, as the store's worker does.
fn mailer_yielding_to(
    app: &TestApp,
    lender: &checkout::db::lending::Lender,
) -> checkout::mail::Mailer {
    use checkout::domain::Site;
    use checkout::mail::{MailSettings, Mailer, OrderLinks};
    let settings = MailSettings::from_lookup(&|_| None).unwrap();
    let links = std::sync::Arc::new(OrderLinks::new(&[7; 64], Duration::from_secs(3600)));
    let base = url::Url::parse(&app.address).unwrap();
    Mailer::new(app.pool.clone(), Site::Mlb, base, links, &settings)
        .unwrap()
        .yield_to(lender.clone())
}

/// Queued mails, and paid orders whose mails the worker has yet to queue.
const DUE: &str = "select (select count(*) from outbox where status = 'queued')
                        + (select count(*) from order_history
                           where mailed_at is null and to_status = 'paid')";

/// Mail yields to a rush of payments: while every connection the payment path may lend is
/// out, the worker's turn renders nothing, until mail has waited its longest (`max_defer`).
#[tokio::test]
async fn a_rush_of_payments_goes_first_and_its_mail_follows_within_the_longest_wait() {
    use checkout::db::lending::Lender;

    let mut app = store(vec![]).await;
    pay_card(&app, &unique("rush"), "APRO").await;
    let lender = Lender::start(app.pool.clone());
    let mut lent = Vec::new();
    while !lender.saturated() {
        lent.push(lender.lend().await.unwrap());
    }
    let mut mailer = mailer_yielding_to(&app, &lender);
    mailer.max_defer = Duration::from_millis(500);
    assert!(app.count(DUE).await > 0);
    assert_eq!(mailer.turn().await.unwrap(), 0, "the payment path is busy");
    assert!(app.count(DUE).await > 0, "kept, not dropped");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        mailer.turn().await.unwrap() > 0,
        "after the longest wait mail goes out, busy or not"
    );
    assert_eq!(app.count(DUE).await, 0);

    // Each payment below is another shopper's (a new cookie jar).
    app.client = browser();
    pay_card(&app, &unique("calm"), "APRO").await;
    assert!(
        mailer.turn().await.unwrap() > 0,
        "still busy: the wait is over"
    );
    for conn in lent {
        conn.give_back();
    }
    app.client = browser();
    pay_card(&app, &unique("later"), "APRO").await;
    assert!(mailer.turn().await.unwrap() > 0, "a free path: at once");
    assert_eq!(app.count(DUE).await, 0);
}

/// Within a turn each step waits for a moment when no payment is using the database. Under a
/// steady stream of payments (a connection lent 2 ms in every 10) mail finds those moments
/// and goes out, long before its longest wait.
#[tokio::test]
async fn mail_goes_out_between_the_statements_of_steady_payments() {
    use checkout::db::lending::Lender;
    use std::sync::atomic::{AtomicBool, Ordering};

    let mut app = store(vec![]).await;
    for _ in 0..3 {
        app.client = browser();
        pay_card(&app, &unique("steady"), "APRO").await;
    }
    let lender = Lender::start(app.pool.clone());
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let payments = tokio::spawn({
        let (lender, stop) = (lender.clone(), stop.clone());
        async move {
            while !stop.load(Ordering::Relaxed) {
                let conn = lender.lend().await.unwrap();
                tokio::time::sleep(Duration::from_millis(2)).await;
                conn.give_back();
                tokio::time::sleep(Duration::from_millis(8)).await;
            }
        }
    });
    let mut mailer = mailer_yielding_to(&app, &lender);
    mailer.max_defer = Duration::from_secs(60);
    assert!(app.count(DUE).await > 0);
    let sent = tokio::time::timeout(Duration::from_secs(20), mailer.turn())
        .await
        .expect("mail found the gaps, not its longest wait")
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    payments.await.unwrap();
    assert!(sent >= 3, "a confirmation per order at least: {sent}");
    assert_eq!(app.count(DUE).await, 0);
}

/// A payment path that never leaves the database alone, though it never uses every
/// connection: each step waits, and once mail has waited its longest it goes out anyway, at
/// every turn after, until the path is quiet.
#[tokio::test]
async fn mail_waits_at_most_its_longest_wait_for_a_path_that_is_never_quiet() {
    use checkout::db::lending::Lender;

    let mut app = store(vec![]).await;
    pay_card(&app, &unique("never-quiet"), "APRO").await;
    let lender = Lender::start(app.pool.clone());
    let held = lender.lend().await.unwrap();
    assert!(!lender.saturated(), "one connection of several");
    let longest = Duration::from_secs(2);
    let mut mailer = mailer_yielding_to(&app, &lender);
    mailer.max_defer = longest;
    let started = std::time::Instant::now();
    assert!(mailer.turn().await.unwrap() > 0, "it went out");
    assert!(
        started.elapsed() >= longest,
        "not before its longest wait: a connection was lent throughout"
    );
    assert_eq!(app.count(DUE).await, 0);

    app.client = browser();
    pay_card(&app, &unique("still-busy"), "APRO").await;
    let started = std::time::Instant::now();
    assert!(mailer.turn().await.unwrap() > 0);
    assert!(
        started.elapsed() < longest,
        "the wait is over until the path is quiet, not restarted at each turn"
    );
    assert_eq!(app.count(DUE).await, 0);
    held.give_back();
}

#[tokio::test]
async fn a_payment_leaves_its_mails_to_the_worker_which_queues_them_once_one_worker_at_a_time() {
    let buyer = unique("derive");
    let app = store(vec![]).await;
    let (order, _) = pay_card(&app, &buyer, "APRO").await;
    let mails = format!("select count(*) from outbox where order_id = '{order}'");
    let unmailed = format!(
        "select count(*) from order_history
         where order_id = '{order}' and to_status = 'paid' and mailed_at is null"
    );
    // The payment wrote the order's move, and no mail: the shopper did not wait for it.
    app.assert_count(&mails, 0).await;
    app.assert_count(&unmailed, 1).await;

    // A worker mid-way holds the others off until it commits, and what it read is not read
    // again.
    let mut first = app.pool.begin().await.unwrap();
    let read: i32 = sqlx::query_scalar("select outbox_derive(100)")
        .fetch_one(&mut *first)
        .await
        .unwrap();
    assert!(read >= 1, "the paid move at least");
    assert_eq!(
        checkout::db::outbox::derive(&app.pool, 100).await.unwrap(),
        0,
        "another worker is at it"
    );
    app.assert_count(&mails, 0).await;
    first.commit().await.unwrap();
    app.assert_count(&unmailed, 0).await;
    app.assert_count(
        &format!("{mails} and kind in ('confirmation', 'merchant_paid')"),
        2,
    )
    .await;
    assert_eq!(
        checkout::db::outbox::derive(&app.pool, 100).await.unwrap(),
        0
    );
    app.assert_count(&mails, 2).await;

    // A worker that dies before it commits leaves the moves due, and queues nothing.
    app.execute(&format!(
        "update order_history set mailed_at = null where order_id = '{order}' and to_status = 'paid'"
    ))
    .await;
    app.execute(&format!("delete from outbox where order_id = '{order}'"))
        .await;
    let mut dying = app.pool.begin().await.unwrap();
    let _: i32 = sqlx::query_scalar("select outbox_derive(100)")
        .fetch_one(&mut *dying)
        .await
        .unwrap();
    dying.rollback().await.unwrap();
    app.assert_count(&mails, 0).await;
    app.assert_count(&unmailed, 1).await;
    app.mailer.pass().await.unwrap();
    app.assert_count(&mails, 2).await;
    app.assert_count(&unmailed, 0).await;
}

#[tokio::test]
async fn a_pix_paid_before_the_workers_turn_still_mails_how_to_pay_then_its_approval() {
    let app = store(vec![("SMTP_URL", smtp_url())]).await;
    let (_, number, mails) = pix_decided_before_the_workers_turn(&app, "approve", "paid").await;
    assert_eq!(
        header(&mails[1], "Subject"),
        format!("Pedido #{number}: pagamento aprovado")
    );
}
