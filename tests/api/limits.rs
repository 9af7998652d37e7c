//! Abuse limits: per-session and per-address budgets on the checkout, the payment, the return
//! from Mercado Pago and the back-office sign-in; the trusted-proxy rule; and the sign-in
//! counter that parallel guesses cannot outrun.

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use common::{
    attr, browser, csrf_of, sign_in_form, spawn_with_admin, Options, TestApp, ADMIN_EMAIL,
    ADMIN_PASSWORD,
};

async fn with_env(env: &[(&'static str, &str)]) -> TestApp {
    let options = env
        .iter()
        .fold(Options::default(), |options, (k, v)| options.env(k, *v));
    spawn_with_admin(options).await
}

/// The answer's `Retry-After`, in seconds.
fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A refusal as the limits answer it: 429, a Retry-After of at most a minute, no caching.
fn assert_refused(res: &reqwest::Response, what: &str) {
    assert_eq!(res.status(), 429, "{what}");
    let wait = retry_after(res);
    assert!((1..=60).contains(&wait), "{what}: Retry-After {wait}");
    assert_eq!(res.headers()["cache-control"], "no-store", "{what}");
}

async fn assert_refused_page(res: reqwest::Response, what: &str) {
    assert_refused(&res, what);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Muitas solicitações"), "{what}: {html}");
}

/// A shopper of their own: a cart with one product, then the checkout page.
async fn checkout_as(app: &TestApp, shopper: &reqwest::Client) -> reqwest::Response {
    let home = shopper.get(app.url("/")).send().await.unwrap();
    let html = home.text().await.unwrap();
    let product = attr(&html, "name=\"product_id\" value=\"").unwrap();
    let res = shopper
        .post(app.url("/cart/add"))
        .form(&[
            ("csrf_token", csrf_of(&html)),
            ("product_id", product),
            ("quantity", "1".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    shopper.get(app.url("/checkout")).send().await.unwrap()
}

/// A client that sends no cookies, as a bot would.
fn cookieless() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
    via: Option<&str>,
) -> reqwest::Response {
    let mut post = sign_in_form(&browser(), &app.address, email, password).await;
    if let Some(forwarded) = via {
        post = post.header("X-Forwarded-For", forwarded);
    }
    post.send().await.unwrap()
}

async fn attempts_of(app: &TestApp, subject: &str) -> i64 {
    sqlx::query_scalar::<_, i32>("select attempts from admin_login_attempts where subject = $1")
        .bind(subject)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
        .map_or(0, i64::from)
}

#[tokio::test]
async fn the_checkout_page_is_limited_per_session_and_a_refusal_creates_no_order() {
    let app = with_env(&[("RATE_LIMIT_CHECKOUT_PER_SESSION", "2")]).await;
    app.start_checkout().await;
    // Changing the cart rewrites the session cookie: the budget follows the shopper, not it.
    let ids = app.product_ids().await;
    app.add_to_cart(ids[0], 1).await;
    app.open_checkout().await;
    app.add_to_cart(ids[0], 1).await;
    let orders = app.count("select count(*) from orders").await;
    let res = app.get("/checkout").await;
    assert_refused_page(res, "third checkout of one session").await;
    assert_eq!(app.count("select count(*) from orders").await, orders);
    // Another shopper on the same address has a budget of their own.
    let other = checkout_as(&app, &browser()).await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn an_address_is_limited_across_sessions_and_a_forged_header_changes_nothing() {
    let app = with_env(&[("RATE_LIMIT_CHECKOUT_PER_IP", "3")]).await;
    // No proxy is trusted: every request below is 127.0.0.1, whatever it claims to be.
    let bot = cookieless();
    let checkout_via = |forwarded: String| {
        let req = bot.get(app.url("/checkout"));
        req.header("X-Forwarded-For", forwarded).send()
    };
    for n in 0..3 {
        let res = checkout_via(format!("203.0.113.{n}")).await.unwrap();
        assert_ne!(res.status(), 429, "request {n}");
    }
    for n in 3..10 {
        let res = checkout_via(format!("203.0.113.{n}, 198.51.100.{n}"))
            .await
            .unwrap();
        assert_refused(&res, "a forged X-Forwarded-For from an untrusted peer");
    }
    // The address's budget is spent for a real session too.
    let res = checkout_as(&app, &browser()).await;
    assert_refused_page(res, "a shopper behind the exhausted address").await;
    // Other routes keep their own budgets.
    assert_eq!(app.get("/").await.status(), 200);
}

#[tokio::test]
async fn a_trusted_proxy_is_believed_and_the_right_most_untrusted_entry_is_the_client() {
    let app = with_env(&[
        ("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
        ("RATE_LIMIT_CHECKOUT_PER_IP", "2"),
    ])
    .await;
    let bot = cookieless();
    let get = |forwarded: String| {
        let request = bot
            .get(app.url("/checkout"))
            .header("X-Forwarded-For", forwarded);
        async move { request.send().await.unwrap() }
    };
    // The client invents a different left-most entry each time; the proxies appended the
    // address they saw (203.0.113.7) and their own (10.0.0.9, trusted).
    for n in 0..2 {
        let res = get(format!("6.6.6.{n}, 203.0.113.7, 10.0.0.9")).await;
        assert_ne!(res.status(), 429, "request {n}");
    }
    let res = get("6.6.6.99, 203.0.113.7, 10.0.0.9".into()).await;
    assert_refused(&res, "203.0.113.7 again, whatever it put on the left");
    let res = get("203.0.113.7".into()).await;
    assert_refused(&res, "203.0.113.7 through one proxy");
    // Another client behind the same proxies has its own budget.
    let res = get("203.0.113.7, 198.51.100.20".into()).await;
    assert_ne!(res.status(), 429, "198.51.100.20 is the client here");
    // Without the header the trusted peer is the client: 127.0.0.1 has its own budget.
    assert_ne!(
        bot.get(app.url("/checkout")).send().await.unwrap().status(),
        429
    );
}

#[tokio::test]
async fn the_payment_is_limited_as_json_and_a_refusal_reaches_no_one() {
    let app = with_env(&[("RATE_LIMIT_PAYMENT_PER_SESSION", "1")]).await;
    app.mp_answers("rejected", "cc_rejected_other_reason").await;
    let checkout = app.start_checkout().await;
    let first = app.pay_card(&checkout).await;
    assert_ne!(first.status(), 429);
    let calls = app.payment_calls().await.len();
    let attempts = app.count("select count(*) from payment_attempts").await;
    let res = app.pay_card(&checkout).await;
    assert_refused(&res, "a second payment within the minute");
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("nada foi cobrado"),
        "{body}"
    );
    assert_eq!(
        app.payment_calls().await.len(),
        calls,
        "no call to Mercado Pago"
    );
    assert_eq!(
        app.count("select count(*) from payment_attempts").await,
        attempts,
        "no attempt recorded"
    );
}

#[tokio::test]
async fn the_return_from_mercado_pago_is_limited_and_a_refusal_asks_nothing() {
    let app = with_env(&[("RATE_LIMIT_RETURN_PER_SESSION", "1")]).await;
    Mock::given(method("GET"))
        .and(path("/v1/payments/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"paging": {"total": 0, "limit": 30, "offset": 0}, "results": []}),
        ))
        .mount(&app.mp)
        .await;
    let checkout = app.start_checkout().await;
    let back = format!("/orders/{}/return", checkout.order_id);
    assert_eq!(app.get(&back).await.status(), 303);
    let searches = || async {
        app.mp_requests("GET", "/v1/payments/search")
            .await
            .iter()
            .filter(|r| r.url.query().unwrap_or("").contains("external_reference"))
            .count()
    };
    let before = searches().await;
    assert_refused_page(app.get(&back).await, "a second return within the minute").await;
    assert_eq!(searches().await, before, "no search at Mercado Pago");
}

#[tokio::test]
async fn sign_in_posts_are_limited_in_memory_before_any_attempt_is_recorded() {
    let app = with_env(&[("RATE_LIMIT_LOGIN_PER_IP", "2")]).await;
    for _ in 0..2 {
        let res = sign_in(&app, ADMIN_EMAIL, "wrong password guess", None).await;
        assert_eq!(res.status(), 401);
    }
    let res = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await;
    assert_refused_page(res, "a third sign-in post within the minute").await;
    assert_eq!(attempts_of(&app, &format!("email:{ADMIN_EMAIL}")).await, 2);
    assert_eq!(attempts_of(&app, "ip:127.0.0.1").await, 2);
}

#[tokio::test]
async fn twenty_parallel_wrong_passwords_get_at_most_five_checks() {
    let app = with_env(&[("RATE_LIMIT_LOGIN_PER_IP", "1000")]).await;
    // Each guesser has its own sign-in form, then all post at once.
    let mut posts = Vec::new();
    for _ in 0..20 {
        let guesser = browser();
        let form = sign_in_form(&guesser, &app.address, ADMIN_EMAIL, "wrong password guess");
        posts.push(form.await.send());
    }
    let answers: Vec<u16> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .map(|res| res.unwrap().status().as_u16())
        .collect();
    // 401 is a password that was checked and wrong; 429 was refused before any check.
    let checked = answers.iter().filter(|s| **s == 401).count();
    let refused = answers.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 15), "{answers:?}");
    assert_eq!(attempts_of(&app, &format!("email:{ADMIN_EMAIL}")).await, 20);
    // The next one is refused before its password is looked at, right or not.
    let res = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await;
    assert_eq!(res.status(), 429);
    let wait = retry_after(&res);
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    app.assert_count("select count(*) from admin_sessions", 0)
        .await;
}

#[tokio::test]
async fn a_successful_sign_in_is_not_held_against_the_merchant() {
    let app = with_env(&[]).await;
    for _ in 0..4 {
        let res = sign_in(&app, ADMIN_EMAIL, "wrong password guess", None).await;
        assert_eq!(res.status(), 401);
    }
    // Each success forgives the email's typos and costs the address nothing.
    for n in 0..3 {
        let res = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None).await;
        assert_eq!(res.status(), 303, "sign-in {n} after four typos");
    }
    assert_eq!(attempts_of(&app, &format!("email:{ADMIN_EMAIL}")).await, 0);
    // The address's failures still count: one more, then it waits.
    assert_eq!(
        sign_in(&app, "other@example.com", "guess", None)
            .await
            .status(),
        401
    );
    assert_eq!(
        sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD, None)
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_guesser_does_not_lock_out_everyone() {
    let app = with_env(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    for _ in 0..5 {
        let res = sign_in(&app, "nobody@example.com", "guess", Some("203.0.113.7")).await;
        assert_eq!(res.status(), 401);
    }
    let res = sign_in(
        &app,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        Some("6.6.6.6, 203.0.113.7"),
    )
    .await;
    assert_eq!(res.status(), 429, "the guesser's address waits");
    let res = sign_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD, Some("198.51.100.20")).await;
    assert_eq!(res.status(), 303, "the merchant, elsewhere, signs in");
    assert_eq!(attempts_of(&app, "ip:203.0.113.7").await, 6);
    assert_eq!(attempts_of(&app, "ip:127.0.0.1").await, 0);
    // An address no account can have is refused without becoming a counter.
    let long = format!("{}@example.com", "a".repeat(3000));
    let res = sign_in(&app, &long, "guess", Some("198.51.100.30")).await;
    assert_eq!(res.status(), 401);
    assert_eq!(attempts_of(&app, "ip:198.51.100.30").await, 0);
}
