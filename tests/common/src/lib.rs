//! Spawns the real application on port 0 with a fresh database (dropped afterwards) and a
//! mock Mercado Pago, and drives it like a browser: cookies kept, redirects not followed.

pub mod raw;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::LazyLock;
use std::time::Duration;

use checkout::configuration::Settings;
use checkout::startup::Application;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const ACCESS_TOKEN: &str = "TEST-1234567890-access-token-never-shown";
pub const PUBLIC_KEY: &str = "TEST-public-key-abc";
pub const WEBHOOK_SECRET: &str = "webhook-secret-never-shown";
pub const SESSION_KEY: &str = "test-session-key-test-session-key-test-session-key-test-session-key";

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        checkout::telemetry::init();
    }
});

/// The PostgreSQL server tests create their databases on.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
        .trim_end_matches('/')
        .to_string()
}

pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub mp: MockServer,
    pub client: reqwest::Client,
    /// Stops this app as SIGTERM would.
    pub stopper: checkout::startup::Stopper,
    /// Dropped last: the database goes with the app.
    _database: TestDatabase,
}

/// A fresh database on the test server (`TEST_DATABASE_URL`), dropped with this value.
pub struct TestDatabase {
    pub name: String,
    /// Its connection URL.
    pub url: String,
}

impl TestDatabase {
    /// Creates `{prefix}_{random}`.
    pub async fn create(prefix: &str) -> Self {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&format!("{}/postgres", server_url()))
            .await
            .expect("connect to the test PostgreSQL server (TEST_DATABASE_URL)");
        admin
            .execute(format!(r#"create database "{name}""#).as_str())
            .await
            .expect("create test database");
        let url = format!("{}/{name}", server_url());
        Self { name, url }
    }
}

pub struct Options {
    pub site: &'static str,
    pub timeout_secs: u64,
    /// `APP_BASE_URL`. Plain http on loopback by default (live mode allows no other http): a
    /// Secure cookie would not come back to 127.0.0.1.
    pub base_url: &'static str,
    /// No Mercado Pago credentials: the app mounts its own emulator, as `./scripts/run` does.
    pub sandbox: bool,
    /// Seconds between reconciliation passes; long by default so tests see states unchanged.
    pub reconcile_secs: u64,
    /// Sandbox only: milliseconds the emulator waits before answering a payment.
    pub sandbox_delay_ms: u64,
    /// `MP_API_BASE` instead of the mock's address, e.g. a hand-made server in the test.
    pub api_base: Option<String>,
    /// Further settings (`MAX_ATTEMPTS_PER_ORDER`, `MP_REFUND_DUPLICATES`, ...), passed as
    /// they are: names the settings do not know are ignored.
    pub env: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            site: "MLB",
            timeout_secs: 2,
            base_url: "http://localhost",
            sandbox: false,
            reconcile_secs: 3600,
            sandbox_delay_ms: 0,
            api_base: None,
            env: Vec::new(),
        }
    }
}

/// Options read as sentences: `Options::default().sandbox().site("MLA")`.
impl Options {
    /// No credentials: the app mounts its own emulator.
    pub fn sandbox(self) -> Self {
        Self {
            sandbox: true,
            ..self
        }
    }

    pub fn site(self, site: &'static str) -> Self {
        Self { site, ..self }
    }

    /// Seconds between reconciliation passes.
    pub fn reconcile_secs(self, reconcile_secs: u64) -> Self {
        Self {
            reconcile_secs,
            ..self
        }
    }

    /// Seconds the store waits for Mercado Pago's answer.
    pub fn timeout_secs(self, timeout_secs: u64) -> Self {
        Self {
            timeout_secs,
            ..self
        }
    }

    pub fn base_url(self, base_url: &'static str) -> Self {
        Self { base_url, ..self }
    }

    /// One more setting, passed as it is.
    pub fn env(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.env.push((name, value.into()));
        self
    }
}

/// An app whose Mercado Pago approves every payment, and a checkout of two products.
pub async fn approving_checkout() -> (TestApp, Checkout) {
    let app = spawn_app().await;
    app.mp_answers("approved", "accredited").await;
    let checkout = app.start_checkout().await;
    (app, checkout)
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(options: Options) -> TestApp {
    LazyLock::force(&TRACING);
    let database = TestDatabase::create("checkout_test").await;
    let mp = MockServer::start().await;
    let database_url = database.url.clone();
    let vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.clone()),
        ("MP_ACCESS_TOKEN", ACCESS_TOKEN.into()),
        ("MP_PUBLIC_KEY", PUBLIC_KEY.into()),
        ("MP_WEBHOOK_SECRET", WEBHOOK_SECRET.into()),
        ("MP_SITE", options.site.into()),
        (
            "MP_API_BASE",
            options.api_base.clone().unwrap_or_else(|| mp.uri()),
        ),
        ("MP_SDK_URL", "https://sdk.mercadopago.com/js/v2".into()),
        ("APP_BASE_URL", options.base_url.into()),
        ("SESSION_KEY", SESSION_KEY.into()),
        ("HOST", "127.0.0.1".into()),
        ("PORT", "0".into()),
        ("MP_TIMEOUT_SECS", options.timeout_secs.to_string()),
        ("MP_CONNECT_TIMEOUT_SECS", "1".into()),
        (
            "RECONCILE_INTERVAL_SECS",
            options.reconcile_secs.to_string(),
        ),
        (
            "SANDBOX_RESPONSE_DELAY_MS",
            options.sandbox_delay_ms.to_string(),
        ),
    ]);
    let mut vars = vars;
    vars.extend(options.env.iter().cloned());
    if options.sandbox {
        for name in [
            "MP_ACCESS_TOKEN",
            "MP_PUBLIC_KEY",
            "MP_API_BASE",
            "MP_SDK_URL",
            "APP_BASE_URL",
        ] {
            vars.remove(name);
        }
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let stopper = app.stopper();
    tokio::spawn(app.run_until_stopped());
    let pool = PgPool::connect(&database_url).await.expect("test pool");
    TestApp {
        address,
        pool,
        mp,
        client: browser(),
        stopper,
        _database: database,
    }
}

/// A client that keeps cookies like a browser and shows redirects instead of following them.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let db_name = self.name.clone();
        // Drop runs outside async: a short thread of its own removes the database. A server
        // still running on it (a torture store) only logs from then on.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut admin) =
                    PgConnection::connect(&format!("{}/postgres", server_url())).await
                {
                    let _ = admin
                        .execute(
                            format!(r#"drop database if exists "{db_name}" with (force)"#).as_str(),
                        )
                        .await;
                }
            });
        })
        .join();
    }
}

/// Reads `name="csrf_token" value="..."` or `data-csrf="..."` out of a page.
pub fn csrf_of(html: &str) -> String {
    attr(html, "name=\"csrf_token\" value=\"")
        .or_else(|| attr(html, "data-csrf=\""))
        .expect("page has a CSRF token")
}

pub fn attr(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(prefix)? + prefix.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

pub struct Checkout {
    pub html: String,
    pub csrf: String,
    pub amount: String,
    pub order_id: String,
}

/// What Mercado Pago says of an approved payment: status and detail.
pub const APPROVED: (&str, &str) = ("approved", "accredited");

impl Checkout {
    /// A payment for this checkout's order and amount, as Mercado Pago shows it (see
    /// `mp_payment`).
    pub fn payment(
        &self,
        id: i64,
        (status, detail): (&str, &str),
        method: &str,
        attempt: Option<i32>,
    ) -> Value {
        mp_payment(
            id,
            status,
            detail,
            &self.amount,
            &self.order_id,
            method,
            attempt,
        )
    }

    /// What the Brick posts for a card, for this checkout's amount.
    pub fn card(&self) -> Value {
        card_submission(&self.amount)
    }
}

/// An answer's status and JSON body (`null` when the body is not JSON).
pub async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.unwrap()
    }

    /// The ids of the products on sale, in catalog order.
    pub async fn product_ids(&self) -> Vec<i64> {
        let html = self.get_html("/").await;
        html.match_indices("name=\"product_id\" value=\"")
            .map(|(at, m)| {
                let rest = &html[at + m.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, String)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn add_to_cart(&self, product_id: i64, quantity: u32) {
        let csrf = csrf_of(&self.get_html("/").await);
        let res = self
            .post_form(
                "/cart/add",
                &[
                    ("csrf_token", csrf),
                    ("product_id", product_id.to_string()),
                    ("quantity", quantity.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status(), 303);
    }

    /// Fills the cart with two products and opens the checkout page.
    pub async fn start_checkout(&self) -> Checkout {
        let ids = self.product_ids().await;
        self.add_to_cart(ids[0], 2).await;
        self.add_to_cart(ids[1], 1).await;
        self.open_checkout().await
    }

    pub async fn open_checkout(&self) -> Checkout {
        let html = self.get_html("/checkout").await;
        Checkout {
            csrf: attr(&html, "data-csrf=\"").unwrap(),
            amount: attr(&html, "data-amount=\"").unwrap(),
            order_id: attr(&html, "data-order-id=\"").unwrap(),
            html,
        }
    }

    pub async fn pay(&self, csrf: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/process_payment"))
            .header("X-CSRF-Token", csrf)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Pays the checkout by card, as the Brick posts it.
    pub async fn pay_card(&self, checkout: &Checkout) -> reqwest::Response {
        self.pay(&checkout.csrf, &checkout.card()).await
    }

    pub async fn pay_raw(&self, csrf: &str, body: &str) -> reqwest::Response {
        self.client
            .post(self.url("/process_payment"))
            .header("X-CSRF-Token", csrf)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    pub async fn order_status(&self, order_id: &str) -> String {
        sqlx::query_scalar::<_, String>("select status from orders where id = $1::uuid")
            .bind(order_id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Runs a statement on the app's database (to arrange a state no route makes).
    pub async fn execute(&self, sql: &str) {
        sqlx::query(sql).execute(&self.pool).await.unwrap();
    }

    /// The one text value `sql` selects.
    pub async fn text(&self, sql: &str) -> String {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// The order's result page, as its shopper sees it.
    pub async fn order_page(&self, order_id: &str) -> String {
        self.get_html(&format!("/orders/{order_id}")).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// The POSTs to `/v1/payments` Mercado Pago received.
    pub async fn payment_calls(&self) -> Vec<Request> {
        self.mp
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/v1/payments")
            .collect()
    }

    /// `GET /v1/payments/search` finds exactly these payments.
    pub async fn mp_search_finds(&self, results: Vec<Value>) {
        Mock::given(method("GET"))
            .and(path("/v1/payments/search"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "paging": {"total": results.len(), "limit": 30, "offset": 0}, "results": results})))
            .mount(&self.mp)
            .await;
    }

    /// Mercado Pago answers every payment with this status.
    pub async fn mp_answers(&self, status: &str, detail: &str) {
        self.mp_creates(payment_response(status, detail)).await;
    }

    /// Mercado Pago answers every payment creation so.
    pub async fn mp_creates(&self, answer: impl Respond + 'static) {
        payment_creation(answer).mount(&self.mp).await;
    }
}

/// Mercado Pago's answer to payment creations (`POST /v1/payments`), to be mounted (with a
/// priority or a number of times, if need be).
pub fn payment_creation(answer: impl Respond + 'static) -> Mock {
    Mock::given(method("POST"))
        .and(path("/v1/payments"))
        .respond_with(answer)
}

/// A 201 like Mercado Pago's, echoing the request's amount and reference.
pub fn payment_response(status: &str, detail: &str) -> impl wiremock::Respond {
    payment_response_after(status, detail, std::time::Duration::ZERO)
}

pub fn payment_response_after(
    status: &str,
    detail: &str,
    delay: std::time::Duration,
) -> impl wiremock::Respond {
    let status = status.to_string();
    let detail = detail.to_string();
    move |req: &Request| {
        ResponseTemplate::new(201)
            .set_delay(delay)
            .set_body_json(created_payment(req, &status, &detail))
    }
}

/// The payment Mercado Pago creates from this request: a fresh id, the request's amount,
/// method, reference, metadata and expiry echoed back, as Mercado Pago does.
fn created_payment(req: &Request, status: &str, detail: &str) -> Value {
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    json!({
        "id": next_payment_id(),
        "status": status,
        "status_detail": detail,
        "transaction_amount": body["transaction_amount"],
        "currency_id": "BRL",
        "payment_method_id": body["payment_method_id"],
        "payment_type_id": "credit_card",
        "external_reference": body["external_reference"],
        "metadata": body["metadata"],
        "date_of_expiration": body["date_of_expiration"],
        "live_mode": false,
    })
}

/// An approved payment, answered after `delay` (past the store's timeout, say).
pub fn approved_after(delay: std::time::Duration) -> impl Respond {
    payment_response_after("approved", "accredited", delay)
}

/// What the Payment Brick posts for a card, with the amount as exact JSON number text.
pub fn card_submission(amount: &str) -> Value {
    json!({
        "selectedPaymentMethod": "credit_card",
        "formData": {
            "token": "ff8080814c11e237014c1ff593b57b4d",
            "issuer_id": "24",
            "payment_method_id": "master",
            "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
            "installments": 1,
            "payer": {
                "email": "test_user_123@testuser.com",
                "identification": {"type": "CPF", "number": "12345678909"}
            }
        }
    })
}

impl TestApp {
    /// A card token made at the app's own emulator, as the stand-in Brick makes it.
    pub async fn sandbox_token(&self, cardholder: &str) -> String {
        let res: Value = self
            .client
            .post(self.url("/sandbox/mp/v1/card_tokens?public_key=TEST-sandbox-public-key"))
            .json(&json!({"card_number": "5031433215406351", "expiration_month": 11, "expiration_year": 2030,
                          "security_code": "123", "cardholder": {"name": cardholder, "identification": {"type": "CPF", "number": "12345678909"}}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["id"].as_str().expect("a card token").to_string()
    }

    /// The payment creations the app's emulator received.
    pub async fn sandbox_payment_posts(&self) -> Vec<Value> {
        self.sandbox_requests()
            .await
            .into_iter()
            .filter(|r| {
                r["method"] == "POST" && r["path"].as_str().unwrap_or("").ends_with("/v1/payments")
            })
            .collect()
    }

    /// The body of the last payment creation the app's emulator received.
    pub async fn sandbox_last_payment_body(&self) -> Value {
        self.sandbox_payment_posts()
            .await
            .pop()
            .expect("Mercado Pago got a payment")["body"]
            .clone()
    }

    /// Every request the app's emulator received, as its control API lists them.
    pub async fn sandbox_requests(&self) -> Vec<Value> {
        let res = self.sandbox_control("GET", "requests", None).await;
        assert_eq!(res.status(), 200, "the emulator's request log");
        res.json().await.unwrap()
    }

    /// Whether the app's emulator received a request with this method and path ending.
    pub async fn sandbox_was_asked(&self, verb: &str, path_end: &str) -> bool {
        self.sandbox_requests()
            .await
            .iter()
            .any(|r| r["method"] == verb && r["path"].as_str().unwrap_or("").ends_with(path_end))
    }

    /// A call to the app's emulator's control API (`/sandbox/mp/sandbox/control/{what}`).
    pub async fn sandbox_control(
        &self,
        verb: &str,
        what: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let verb = reqwest::Method::from_bytes(verb.as_bytes()).unwrap();
        let mut req = self.client.request(
            verb,
            self.url(&format!("/sandbox/mp/sandbox/control/{what}")),
        );
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    /// Acts on one of the emulator's payments as its control API allows (`approve`, `age`,
    /// `pass_challenge`, ...); the emulator must accept.
    pub async fn sandbox_payment_action(&self, payment_id: i64, action: &str) {
        let res = self
            .sandbox_control("POST", &format!("payments/{payment_id}/{action}"), None)
            .await;
        assert_eq!(res.status(), 200, "{action} payment {payment_id}");
    }

    /// A card payment as the Brick posts it, with a token the app's emulator made.
    pub async fn sandbox_card(&self, amount: &str, cardholder: &str) -> Value {
        with_token(amount, &self.sandbox_token(cardholder).await)
    }
}

/// What the Brick posts for a card, with this card token.
pub fn with_token(amount: &str, token: &str) -> Value {
    let mut card = card_submission(amount);
    card["formData"]["token"] = token.into();
    card
}

static NEXT_PAYMENT_ID: AtomicI64 = AtomicI64::new(70_000_000_001);

/// A payment id no other payment of this test run has.
pub fn next_payment_id() -> i64 {
    NEXT_PAYMENT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A payment as `GET /v1/payments/{id}` (or search) shows it.
pub fn mp_payment(
    id: i64,
    status: &str,
    detail: &str,
    amount: &str,
    order_id: &str,
    method: &str,
    attempt: Option<i32>,
) -> Value {
    let mut payment = json!({
        "id": id, "status": status, "status_detail": detail,
        "transaction_amount": amount.parse::<serde_json::Number>().unwrap(),
        "currency_id": "BRL", "payment_method_id": method,
        "payment_type_id": if method == "pix" { "bank_transfer" } else { "credit_card" },
        "external_reference": order_id, "live_mode": false,
        "metadata": {"order_id": order_id},
    });
    if let Some(attempt) = attempt {
        payment["metadata"]["attempt"] = attempt.into();
    }
    if status == "refunded" {
        payment["transaction_amount_refunded"] = payment["transaction_amount"].clone();
    }
    payment
}

/// Waits until `check` holds, looking every 100 ms; panics naming `what` after `within`.
pub async fn eventually<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    assert!(
        holds_within(within, &mut check).await,
        "{what}: still not true after {within:?}"
    );
}

impl TestApp {
    /// Waits until the order has this status (5 s: a webhook's or a pass's work).
    pub async fn wait_for_status(&self, order_id: &str, want: &str) {
        eventually(
            &format!("order {order_id} becomes {want}"),
            Duration::from_secs(5),
            || async { self.order_status(order_id).await == want },
        )
        .await;
    }

    /// Waits until `sql` (a `count(*)`) gives `want` (10 s).
    pub async fn wait_for_count(&self, sql: &str, want: i64) {
        eventually(
            &format!("{sql} gives {want}"),
            Duration::from_secs(10),
            || async { self.count(sql).await == want },
        )
        .await;
    }

    /// Waits until every notification received so far has been worked on (its
    /// `processed_at` is set): the event after which a notification can change nothing more.
    pub async fn notifications_processed(&self) {
        self.wait_for_count(
            "select count(*) from notifications where processed_at is null",
            0,
        )
        .await;
    }
}

impl TestApp {
    /// Waits until the app's emulator has had every webhook it sent acknowledged, then until
    /// the store has worked on every notification: after that, no news is on its way.
    pub async fn sandbox_webhooks_done(&self) {
        eventually(
            "the store acknowledged every webhook the emulator sent",
            Duration::from_secs(10),
            || async {
                let res = self.sandbox_control("GET", "deliveries", None).await;
                let deliveries: Vec<Value> = res.json().await.unwrap();
                deliveries.iter().all(|d| d["acknowledged"] == true)
            },
        )
        .await;
        self.notifications_processed().await;
    }
}

/// Like `eventually`, but says whether it came true instead of panicking.
pub async fn holds_within<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The request's `X-Idempotency-Key`, if any.
pub fn idempotency_key(req: &Request) -> Option<String> {
    req.headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

impl TestApp {
    /// The requests Mercado Pago received with this method and path.
    pub async fn mp_requests(&self, verb: &str, url_path: &str) -> Vec<Request> {
        self.mp
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == verb && r.url.path() == url_path)
            .collect()
    }

    /// The idempotency keys of the payment creations, in the order they arrived.
    pub async fn payment_keys(&self) -> Vec<String> {
        self.payment_calls()
            .await
            .iter()
            .map(|r| idempotency_key(r).unwrap_or_default())
            .collect()
    }

    /// A notification for `payment_id` as Mercado Pago signs it, with `ts` in milliseconds.
    pub async fn notify_signed(&self, payment_id: i64, ts_ms: i64, request_id: &str) -> u16 {
        self.notify_with(payment_id, WEBHOOK_SECRET, ts_ms, request_id)
            .await
            .status()
            .as_u16()
    }

    /// A notification for `payment_id` signed with `secret` (the store's or a wrong one).
    pub async fn notify_with(
        &self,
        payment_id: i64,
        secret: &str,
        ts_ms: i64,
        request_id: &str,
    ) -> reqwest::Response {
        use checkout::mercadopago::signature::{manifest, sign};
        let ts = ts_ms.to_string();
        let v1 = sign(
            secret.as_bytes(),
            &manifest(Some(&payment_id.to_string()), Some(request_id), &ts),
        );
        self.client
            .post(self.url(&format!(
                "/webhooks/mercadopago?data.id={payment_id}&type=payment"
            )))
            .header("x-signature", format!("ts={ts},v1={v1}"))
            .header("x-request-id", request_id)
            .json(
                &json!({"id": 1, "live_mode": false, "type": "payment", "action": "payment.updated",
                          "api_version": "v1", "data": {"id": payment_id.to_string()}}),
            )
            .send()
            .await
            .unwrap()
    }
}

/// The back office's owner, as the tests create them.
pub const ADMIN_EMAIL: &str = "owner@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// Creates the back office's owner (`ADMIN_EMAIL`, `ADMIN_PASSWORD`).
    pub async fn create_admin(&self) {
        checkout::routes::admin::auth::create_admin(&self.pool, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .unwrap();
    }

    /// Signs in to the back office with `client` (a client of its own: the back office is not
    /// the shopper's session) and returns the answer to the sign-in form.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        sign_in(client, &self.address, email, password).await
    }

    /// A fresh client signed in as the owner (who must exist), sent on to `/admin`.
    pub async fn admin(&self) -> reqwest::Client {
        let client = browser();
        let res = self
            .sign_in_with(&client, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await;
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/admin");
        client
    }
}

/// Signs in to the back office of the store at `base` with `client`; returns the answer to
/// the sign-in form.
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    sign_in_form(client, base, email, password)
        .await
        .send()
        .await
        .expect("sign in")
}

/// The sign-in form, filled in with its token, ready to send (headers may be added).
pub async fn sign_in_form(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::RequestBuilder {
    let page = client
        .get(format!("{base}/admin/login"))
        .send()
        .await
        .expect("the back office's sign-in page")
        .text()
        .await
        .unwrap();
    let csrf = attr(&page, "name=\"csrf_token\" value=\"").expect("the sign-in form's token");
    client.post(format!("{base}/admin/login")).form(&[
        ("email", email),
        ("password", password),
        ("csrf_token", &csrf),
    ])
}

/// An app (see `spawn_with`) whose back office has its owner.
pub async fn spawn_with_admin(options: Options) -> TestApp {
    let app = spawn_with(options).await;
    app.create_admin().await;
    app
}

/// The text `client` gets at `url`, whatever the status.
pub async fn text_of(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// The page at `url` as `client` sees it; it must answer 200.
pub async fn html_of(client: &reqwest::Client, url: String) -> String {
    let res = client.get(url.clone()).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {url}");
    res.text().await.unwrap()
}

/// Now, in milliseconds since the epoch, as a webhook's `ts`.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
