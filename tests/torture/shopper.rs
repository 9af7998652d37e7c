//! Simulated shoppers: each a cookie-keeping browser with one behaviour picked by the seeded
//! rng, recording every request it makes and the answer it got (its story).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use common::holds_within;
use serde_json::{json, Value};

use crate::emulator::{Answer, Emulator};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Behaviour {
    CardApproved,
    DeclinedThenApproved,
    RetryAfterError,
    DoubleClick,
    ReloadResultPage,
    WalletAndCard,
    TwoTabs,
    PixLeftToExpire,
    VoucherPaidLate,
    RefundFromPanel,
    RefundFromBackOffice,
    Chargeback,
    Dispute,
    /// A card whose bank asks for 3-D Secure: passed, failed then paid again, or abandoned,
    /// sometimes with a second tab paying while the challenge waits.
    ThreeDsChallenge,
}

impl Behaviour {
    pub const ALL: [Behaviour; 14] = [
        Behaviour::CardApproved,
        Behaviour::DeclinedThenApproved,
        Behaviour::RetryAfterError,
        Behaviour::DoubleClick,
        Behaviour::ReloadResultPage,
        Behaviour::WalletAndCard,
        Behaviour::TwoTabs,
        Behaviour::PixLeftToExpire,
        Behaviour::VoucherPaidLate,
        Behaviour::RefundFromPanel,
        Behaviour::RefundFromBackOffice,
        Behaviour::Chargeback,
        Behaviour::Dispute,
        Behaviour::ThreeDsChallenge,
    ];
}

/// One request and its answer; `status` 0 means no HTTP answer came.
#[derive(Debug, Clone)]
pub struct Step {
    pub what: String,
    pub status: u16,
    pub body: String,
    /// The `error` code of a JSON error answer.
    pub error: Option<String>,
    /// Whether the request went to the store (I5 judges only the store's answers).
    pub to_store: bool,
}

#[derive(Debug, Clone)]
pub struct Story {
    pub shopper: usize,
    pub behaviour: Behaviour,
    pub order_id: Option<String>,
    pub amount: Option<String>,
    pub steps: Vec<Step>,
    /// A voucher the shopper paid, which the emulator refused to credit because the store
    /// had cancelled it.
    pub voucher_cancelled: bool,
}

impl Story {
    pub fn render(&self) -> String {
        let mut out = format!(
            "shopper #{} {:?} order {} amount {}\n",
            self.shopper,
            self.behaviour,
            self.order_id.as_deref().unwrap_or("-"),
            self.amount.as_deref().unwrap_or("-")
        );
        for s in &self.steps {
            let _ = writeln!(out, "    {} -> {} {}", s.what, s.status, s.body);
        }
        out
    }
}

/// What every shopper of a seed shares.
pub struct World {
    pub store: String,
    pub emulator: Emulator,
    pub back_office: BackOffice,
}

/// A browser: cookies kept, redirects shown rather than followed. A browser sends a request
/// again when the keep-alive connection it reused was closed by the server at that moment;
/// reqwest does not, so its idle connections are dropped before the store's keep-alive (5 s)
/// can close them: otherwise a slow machine turns that race into "no answer" for a shopper.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(4))
        .timeout(Duration::from_secs(40))
        .build()
        .unwrap()
}

pub use common::attr;

fn short(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.starts_with('<') {
        return "<html>".to_string();
    }
    flat.chars().take(240).collect()
}

/// Sends a request and turns whatever comes back into a step and the full answer text.
async fn exchange(what: String, to_store: bool, req: reqwest::RequestBuilder) -> (Step, String) {
    match req.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(|l| format!(" location={l}"))
                .unwrap_or_default();
            let text = res.text().await.unwrap_or_default();
            let error = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"].as_str().map(String::from));
            let step = Step {
                what,
                status,
                body: format!("{}{location}", short(&text)),
                error,
                to_store,
            };
            (step, text)
        }
        Err(e) => (
            Step {
                what,
                status: 0,
                body: format!("no answer: {e}"),
                error: None,
                to_store,
            },
            String::new(),
        ),
    }
}

/// The merchant, signed in to the back office once per seed.
pub struct BackOffice {
    client: reqwest::Client,
    base: String,
}

impl BackOffice {
    pub async fn sign_in(base: &str, email: &str, password: &str) -> Self {
        let client = browser();
        let form = common::sign_in_form(&client, base, email, password).await;
        let res = form.send().await.expect("sign in");
        assert_eq!(res.status(), 303, "back-office sign-in");
        Self {
            client,
            base: base.to_string(),
        }
    }

    /// The refund form of the order's page; an empty amount refunds what is left.
    async fn refund(&self, order_id: &str, amount: &str) -> Vec<Step> {
        let (page_step, page) = exchange(
            format!("admin GET /admin/orders/{order_id}"),
            true,
            self.client
                .get(format!("{}/admin/orders/{order_id}", self.base)),
        )
        .await;
        let form = attr(&page, "name=\"csrf_token\" value=\"")
            .zip(attr(&page, "name=\"refund_key\" value=\""));
        let Some((csrf, key)) = form else {
            return vec![Step {
                body: "no refund form".into(),
                ..page_step
            }];
        };
        let (step, _) = exchange(
            format!("admin POST refund amount={amount:?}"),
            true,
            self.client
                .post(format!("{}/admin/orders/{order_id}/refund", self.base))
                .form(&[
                    ("csrf_token", csrf),
                    ("refund_key", key),
                    ("amount", amount.to_string()),
                ]),
        )
        .await;
        vec![page_step, step]
    }
}

struct Shopper {
    world: Arc<World>,
    client: reqwest::Client,
    rng: Rng,
    story: Story,
    email: String,
    csrf: String,
    order_id: String,
    amount: String,
    preference_id: String,
    /// The payment the last approved answer named.
    approved_payment: Option<i64>,
}

/// Runs one shopper to the end of its behaviour and returns its story.
pub async fn run(shopper: usize, behaviour: Behaviour, rng: Rng, world: Arc<World>) -> Story {
    let mut s = Shopper {
        world,
        client: browser(),
        rng,
        story: Story {
            shopper,
            behaviour,
            order_id: None,
            amount: None,
            steps: Vec::new(),
            voucher_cancelled: false,
        },
        email: format!("test_user_{shopper}@testuser.com"),
        csrf: String::new(),
        order_id: String::new(),
        amount: String::new(),
        preference_id: String::new(),
        approved_payment: None,
    };
    if s.open_checkout().await {
        s.behave().await;
    }
    s.story
}

impl Shopper {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.world.store, path)
    }

    async fn store(&mut self, what: String, req: reqwest::RequestBuilder) -> (u16, String) {
        let (step, text) = exchange(what, true, req).await;
        let status = step.status;
        self.story.steps.push(step);
        (status, text)
    }

    fn note_mp(&mut self, what: String, answer: &Answer) {
        self.story.steps.push(Step {
            what,
            status: answer.status,
            body: short(&answer.body.to_string()),
            error: None,
            to_store: false,
        });
    }

    /// A shopper's think time: behaviour being simulated, not a wait for an event.
    async fn pause(&mut self, lo_ms: u64, hi_ms: u64) {
        tokio::time::sleep(Duration::from_millis(self.rng.between(lo_ms, hi_ms))).await;
    }

    /// Storefront, one or two products into the cart, checkout page.
    async fn open_checkout(&mut self) -> bool {
        let (_, home) = self
            .store("GET /".into(), self.client.get(self.url("/")))
            .await;
        let csrf = attr(&home, "name=\"csrf_token\" value=\"");
        let products: Vec<String> = home
            .match_indices("name=\"product_id\" value=\"")
            .filter_map(|(at, m)| attr(&home[at..], m))
            .collect();
        let (Some(csrf), false) = (csrf, products.is_empty()) else {
            return false;
        };
        let lines = self.rng.between(1, 2);
        for _ in 0..lines {
            let product = self.rng.pick(&products).clone();
            let quantity = self.rng.between(1, 3).to_string();
            let req = self.client.post(self.url("/cart/add")).form(&[
                ("csrf_token", csrf.as_str()),
                ("product_id", product.as_str()),
                ("quantity", quantity.as_str()),
            ]);
            self.store(format!("POST /cart/add {product} x{quantity}"), req)
                .await;
        }
        let (status, page) = self
            .store(
                "GET /checkout".into(),
                self.client.get(self.url("/checkout")),
            )
            .await;
        let fields = (
            attr(&page, "data-csrf=\""),
            attr(&page, "data-order-id=\""),
            attr(&page, "data-amount=\""),
        );
        let (Some(csrf), Some(order_id), Some(amount)) = fields else {
            return false;
        };
        self.preference_id = attr(&page, "data-preference-id=\"").unwrap_or_default();
        self.story.order_id = Some(order_id.clone());
        self.story.amount = Some(amount.clone());
        (self.csrf, self.order_id, self.amount) = (csrf, order_id, amount);
        status == 200
    }

    async fn behave(&mut self) {
        match self.story.behaviour {
            Behaviour::CardApproved => {
                self.pay_card("APRO").await;
            }
            Behaviour::DeclinedThenApproved => {
                self.pay_card("OTHE").await;
                self.pause(0, 500).await;
                self.pay_card_until_answered("APRO").await;
            }
            Behaviour::RetryAfterError => self.retry_after_error().await,
            Behaviour::DoubleClick => self.double_click().await,
            Behaviour::ReloadResultPage => {
                self.pay_card("APRO").await;
                self.reload().await;
            }
            Behaviour::WalletAndCard => self.wallet_and_card().await,
            Behaviour::TwoTabs => self.two_tabs().await,
            Behaviour::PixLeftToExpire => self.pix_left_to_expire().await,
            Behaviour::VoucherPaidLate => self.voucher_paid_late().await,
            Behaviour::RefundFromPanel => {
                self.pay_card("APRO").await;
                self.pause(0, 1500).await;
                if let Some(id) = self.approved_payment_id().await {
                    let half = self.half_amount();
                    let amount = self.rng.chance(0.5).then_some(half);
                    let answer = self
                        .world
                        .emulator
                        .refund_from_panel(id, amount.as_deref())
                        .await;
                    self.note_mp(format!("mp panel refund {id} {amount:?}"), &answer);
                }
            }
            Behaviour::RefundFromBackOffice => {
                self.pay_card("APRO").await;
                self.pause(0, 1500).await;
                let amount = if self.rng.chance(0.5) {
                    self.half_amount()
                } else {
                    String::new()
                };
                let steps = self.world.back_office.refund(&self.order_id, &amount).await;
                self.story.steps.extend(steps);
            }
            Behaviour::Chargeback => self.panel_action("chargeback").await,
            Behaviour::Dispute => self.panel_action("dispute").await,
            Behaviour::ThreeDsChallenge => self.three_ds_challenge().await,
        }
    }

    async fn three_ds_challenge(&mut self) {
        let (_, answer) = self.pay_card("CHAL").await;
        let Some(id) = answer["payment_id"]
            .as_i64()
            .filter(|_| answer["status_detail"] == "pending_challenge")
        else {
            return;
        };
        if self.rng.chance(0.3) {
            // A second tab while the bank's page is open: must replay, never charge.
            self.pay_card("APRO").await;
        }
        self.pause(0, 1500).await;
        match self.rng.between(0, 2) {
            0 => {
                let answer = self.world.emulator.act(id, "pass_challenge").await;
                self.note_mp(format!("mp pass challenge {id}"), &answer);
            }
            1 => {
                let answer = self.world.emulator.act(id, "fail_challenge").await;
                self.note_mp(format!("mp fail challenge {id}"), &answer);
                self.pause(500, 2500).await;
                self.pay_card_until_answered("APRO").await;
            }
            // Abandoned: the payment stays pending at Mercado Pago, and the order with it.
            _ => {}
        }
    }

    fn half_amount(&self) -> String {
        let minor = crate::invariants::to_minor(&self.amount).unwrap_or(2) / 2;
        format!("{}.{:02}", minor / 100, minor % 100)
    }

    fn payer(&self) -> Value {
        json!({"email": self.email, "first_name": "Ana", "last_name": "Silva",
               "identification": {"type": "CPF", "number": "12345678909"}})
    }

    fn number(&self) -> serde_json::Number {
        self.amount
            .parse()
            .expect("the checkout's amount is a JSON number")
    }

    /// What the Payment Brick posts for a card.
    fn card_body(&self, token: &str) -> Value {
        json!({"selectedPaymentMethod": "credit_card", "formData": {
            "token": token, "issuer_id": "24", "payment_method_id": "master",
            "transaction_amount": self.number(), "installments": 1, "payer": self.payer()}})
    }

    async fn token(&mut self, cardholder: &str) -> String {
        let answer = self.world.emulator.card_token(cardholder).await;
        let token = answer.body["id"].as_str().unwrap_or("no-token").to_string();
        self.note_mp(format!("mp card token {cardholder}"), &answer);
        token
    }

    fn submit(&self, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.url("/process_payment"))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
    }

    /// Posts a submission; returns the status and the JSON answer.
    async fn pay(&mut self, what: &str, body: &Value) -> (u16, Value) {
        let (status, text) = self
            .store(format!("POST /process_payment {what}"), self.submit(body))
            .await;
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        self.remember(status, &answer);
        (status, answer)
    }

    fn remember(&mut self, status: u16, answer: &Value) {
        if status == 200 && answer["status"] == "approved" {
            self.approved_payment = answer["payment_id"].as_i64();
        }
    }

    async fn pay_card(&mut self, cardholder: &str) -> (u16, Value) {
        let token = self.token(cardholder).await;
        let body = self.card_body(&token);
        self.pay(&format!("card {cardholder}"), &body).await
    }

    async fn retry_after_error(&mut self) {
        if self.rng.chance(0.5) {
            // A token Mercado Pago does not know: refused, nothing charged.
            let body = self.card_body("ffffffffffffffffffffffffffffffff");
            self.pay("card with an unknown token", &body).await;
        }
        self.pay_card_until_answered("APRO").await;
    }

    /// Pays with a new card token until the card is approved or pending, as a shopper sure of
    /// their card does whatever the page says: soon after an error, a decline or a refusal
    /// (the last attempt may not be in search yet), a few seconds after "in progress" (so past
    /// the store's grace for an unanswered call); at most five submits.
    async fn pay_card_until_answered(&mut self, cardholder: &str) {
        for _ in 0..5 {
            let (status, answer) = self.pay_card(cardholder).await;
            let declined = status == 200 && answer["status"].as_str() == Some("rejected");
            if answer["error"].as_str() == Some("payment_in_progress") {
                self.pause(3000, 8000).await;
            } else if status == 0 || status >= 500 || status == 429 || declined {
                self.pause(200, 2500).await;
            } else if status == 422 && answer["error"].as_str() == Some("payment_refused") {
                self.pause(200, 1500).await;
            } else {
                break;
            }
        }
    }

    async fn double_click(&mut self) {
        let token = self.token("APRO").await;
        let body = self.card_body(&token);
        let (first, second) = tokio::join!(
            exchange(
                "POST /process_payment card APRO (click 1)".into(),
                true,
                self.submit(&body)
            ),
            exchange(
                "POST /process_payment card APRO (click 2)".into(),
                true,
                self.submit(&body)
            ),
        );
        for (step, text) in [first, second] {
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            self.remember(step.status, &answer);
            self.story.steps.push(step);
        }
    }

    /// Pays in one tab and, while that payment is still being decided, again in a second tab
    /// with a new card token. `TORTURE_SECOND_TAB_MS=lo,hi` sets how long after the first
    /// (default 500-4000 ms); long gaps aim at an attempt declared abandoned while it lives.
    async fn two_tabs(&mut self) {
        let (lo, hi) = std::env::var("TORTURE_SECOND_TAB_MS")
            .ok()
            .and_then(|v| {
                let (lo, hi) = v.split_once(',')?;
                Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
            })
            .unwrap_or((500, 4000));
        let gap = std::time::Duration::from_millis(self.rng.between(lo, hi));
        let (one, two) = (self.token("APRO").await, self.token("APRO").await);
        let (first, second) = (self.card_body(&one), self.card_body(&two));
        let (one, two) = tokio::join!(
            exchange(
                "POST /process_payment card APRO (tab 1)".into(),
                true,
                self.submit(&first)
            ),
            async {
                // The second tab's click comes this much later: the test's input, not a wait.
                tokio::time::sleep(gap).await;
                exchange(
                    "POST /process_payment card APRO (tab 2)".into(),
                    true,
                    self.submit(&second),
                )
                .await
            },
        );
        for (step, text) in [one, two] {
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            self.remember(step.status, &answer);
            self.story.steps.push(step);
        }
    }

    async fn reload(&mut self) {
        let times = self.rng.between(2, 5);
        for _ in 0..times {
            let path = format!("/orders/{}", self.order_id);
            self.store(format!("GET {path}"), self.client.get(self.url(&path)))
                .await;
            let path = format!("/orders/{}/status", self.order_id);
            self.store(format!("GET {path}"), self.client.get(self.url(&path)))
                .await;
            self.pause(100, 700).await;
        }
    }

    async fn pay_wallet(&mut self) {
        if self.preference_id.is_empty() {
            self.story.steps.push(Step {
                what: "wallet".into(),
                status: 0,
                body: "no preference on the checkout page".into(),
                error: None,
                to_store: false,
            });
            return;
        }
        let id = self.preference_id.clone();
        let answer = self.world.emulator.pay_preference(&id).await;
        self.note_mp(format!("mp wallet pays preference {id}"), &answer);
    }

    async fn wallet_and_card(&mut self) {
        if self.rng.chance(0.3) {
            self.pay_wallet().await;
            self.pause(0, 1000).await;
            self.pay_card("APRO").await;
        } else {
            self.pay_card("APRO").await;
            self.pause(0, 2000).await;
            self.pay_wallet().await;
        }
    }

    fn offline_body(&self, kind: &str, method: &str) -> Value {
        let mut payer = self.payer();
        if method == "bolbradesco" {
            payer["address"] = json!({"zip_code": "06233200", "street_name": "Av. das Nações Unidas",
                "street_number": "3003", "neighborhood": "Bonfim", "city": "Osasco", "federal_unit": "SP"});
        }
        json!({"selectedPaymentMethod": kind, "formData": {"payment_method_id": method,
               "transaction_amount": self.number(), "payer": payer}})
    }

    async fn pix_left_to_expire(&mut self) {
        let body = self.offline_body("bank_transfer", "pix");
        let (_, answer) = self.pay("pix", &body).await;
        if let (Some(id), true) = (answer["payment_id"].as_i64(), self.rng.chance(0.5)) {
            self.pause(0, 2000).await;
            let answer = self.world.emulator.act(id, "expire").await;
            self.note_mp(format!("mp pix {id} expires"), &answer);
        }
    }

    async fn voucher_paid_late(&mut self) {
        let body = self.offline_body("ticket", "bolbradesco");
        let (_, answer) = self.pay("boleto", &body).await;
        let Some(id) = answer["payment_id"].as_i64() else {
            return;
        };
        // Past its due date (when the emulator can age a voucher), long enough for the
        // store's worker to pass over it twice, then paid at the last moment and credited late.
        let aged = self.world.emulator.act(id, "overdue").await;
        if aged.ok() {
            self.note_mp(format!("mp boleto {id} overdue"), &aged);
            self.pause(2500, 4000).await;
        } else {
            self.pause(500, 3000).await;
        }
        let answer = self.world.emulator.act(id, "approve").await;
        self.note_mp(format!("mp boleto {id} paid late"), &answer);
        if !answer.ok() {
            let now = self.world.emulator.get(&format!("/v1/payments/{id}")).await;
            self.story.voucher_cancelled = now.body["status"] == "cancelled";
        }
    }

    async fn panel_action(&mut self, action: &str) {
        self.pay_card("APRO").await;
        self.pause(0, 1500).await;
        if let Some(id) = self.approved_payment_id().await {
            let answer = self.world.emulator.act(id, action).await;
            self.note_mp(format!("mp panel {action} {id}"), &answer);
        }
    }

    /// The payment the shopper was told was approved, else one the emulator has approved for
    /// the order (the answer may have been lost).
    async fn approved_payment_id(&mut self) -> Option<i64> {
        if self.approved_payment.is_some() {
            return self.approved_payment;
        }
        // A Mutex, not a Cell: the shopper runs in a spawned task.
        let found = std::sync::Mutex::new(None);
        holds_within(Duration::from_secs(5), || async {
            let approved = self
                .world
                .emulator
                .payments_of(&self.order_id)
                .await
                .into_iter()
                .find(|p| p["status"] == "approved")
                .and_then(|p| p["id"].as_i64());
            *found.lock().unwrap() = approved;
            approved.is_some()
        })
        .await;
        found.into_inner().unwrap()
    }
}
