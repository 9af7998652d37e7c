//! The store under test: spawned on port 0 with a fresh database (dropped afterwards) and a
//! mock Mercado Pago, driven like a browser (cookies kept, redirects not followed); its
//! database read and arranged directly.

use std::collections::HashMap;
use std::sync::LazyLock;

use checkout::configuration::Settings;
use checkout::startup::Application;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::{card_submission, mp_payment, payment_creation, payment_response};

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
    /// The mail worker: tests run its passes themselves (its own interval is an hour).
    pub mailer: std::sync::Arc<checkout::mail::Mailer>,
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
        ("MAIL_INTERVAL_SECS", "3600".into()),
        // The pause still runs, short enough to leave every waiting test its slack.
        ("WEBHOOK_REREAD_DELAY_MS", "100".into()),
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
    let mailer = app.mailer();
    tokio::spawn(app.run_until_stopped());
    let pool = PgPool::connect(&database_url).await.expect("test pool");
    TestApp {
        address,
        pool,
        mp,
        client: browser(),
        stopper,
        mailer,
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

/// Sends the request and reads its answer's JSON.
pub async fn send_json(req: reqwest::RequestBuilder) -> Value {
    req.send().await.unwrap().json().await.unwrap()
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

    /// Asserts that `sql` (a `count(*)`) gives `want` now.
    pub async fn assert_count(&self, sql: &str, want: i64) {
        assert_eq!(self.count(sql).await, want, "{sql}");
    }

    /// How many times an order moved to `status`, by its history.
    pub async fn moves_to(&self, status: &str) -> i64 {
        self.count(&format!(
            "select count(*) from order_history where to_status = '{status}'"
        ))
        .await
    }

    /// Waits until one anomaly of this kind is recorded.
    pub async fn wait_for_anomaly(&self, kind: &str) {
        let sql = format!("select count(*) from anomalies where kind = '{kind}'");
        self.wait_for_count(&sql, 1).await;
    }

    /// Whether the page at `path` (which must answer 200) holds `words`.
    pub async fn page_says(&self, path: &str, words: &str) -> bool {
        self.get_html(path).await.contains(words)
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
