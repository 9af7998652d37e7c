//! An offline emulator of Mercado Pago's API, so a store works, and is tested, with no
//! credentials and no network. It answers like Mercado Pago for what the official SDKs call
//! (see the README's catalogue): the account (`/users/me`), card tokens, payments (cards with 3-D Secure challenges, Pix,
//! tickets, ATM, PSE), reads, search, cancel, capture, refunds, preferences, payment methods,
//! identification types and signed webhooks, plus a control API for tests and people. It can
//! also misbehave the way the real one does ([`Faults`]): lost answers, 5xx after a payment was
//! made, idempotency keys locked while in flight, 429s, a lagging search index, and webhooks
//! that are late, doubled, dropped or replayed hours later.
//!
//! It knows nothing of any store: amounts, sites, dates and signatures are its own. State lives
//! in memory and is lost when the process stops.

mod auth;
pub mod cards;
mod clock;
mod control;
pub mod faults;
mod methods;
pub mod money;
mod pages;
mod payments;
mod preferences;
mod refunds;
mod rng;
pub mod sites;
mod store;
pub mod threeds;
mod tokens;
mod users;
pub mod webhooks;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpServer};

pub use faults::{FaultEvent, Faults};
/// The account the emulator plays: `collector_id` of its payments, `id` of `GET /users/me`.
pub use payments::COLLECTOR_ID;
pub use store::RecordedRequest;
pub use webhooks::sign;

/// Which Mercado Pago account the emulator pretends to be, and how it misbehaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub site_id: String,
    pub currency_id: String,
    pub decimals: u32,
    pub webhook_secret: String,
    pub deliver_webhooks: bool,
    /// Added before answering `POST /v1/payments`, to play a slow Mercado Pago.
    pub response_delay: Duration,
    /// The webhook URL configured in Mercado Pago's panel: notified for payments that carry no
    /// `notification_url`. `Faults::webhook_url`, when set, takes its place.
    pub webhook_url: Option<String>,
    /// Faults in force from the start (none by default); see [`Faults`].
    pub faults: Faults,
}

impl SandboxConfig {
    /// An account of site `site_id` (`"MLB"`, `"MLC"`...), or `None` for an unknown site.
    pub fn for_site(site_id: &str, webhook_secret: &str) -> Option<Self> {
        let (currency, decimals) = sites::currency(site_id)?;
        Some(Self {
            site_id: site_id.to_ascii_uppercase(),
            currency_id: currency.to_string(),
            decimals,
            webhook_secret: webhook_secret.to_string(),
            deliver_webhooks: true,
            response_delay: Duration::ZERO,
            webhook_url: None,
            faults: Faults::default(),
        })
    }

    /// Takes its faults from `SANDBOX_FAULTS` when that is set (JSON, as the control API).
    pub fn with_faults_from_env(mut self) -> Result<Self, String> {
        if let Some(faults) = Faults::from_env()? {
            self.faults = faults;
        }
        Ok(self)
    }
}

#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: SandboxConfig,
    pub store: Mutex<store::Store>,
    pub faults: Mutex<faults::FaultState>,
    /// Idempotency keys of `POST /v1/payments` being processed; receivers learn when done.
    pub in_flight: Mutex<HashMap<String, tokio::sync::watch::Receiver<bool>>>,
    pub http: reqwest::Client,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(22))
            .build()
            .expect("HTTP client for webhooks");
        Self {
            inner: Arc::new(Inner {
                faults: Mutex::new(faults::FaultState::new(config.faults.clone())),
                config,
                store: Mutex::new(store::Store::default()),
                in_flight: Mutex::new(HashMap::new()),
                http,
            }),
        }
    }

    /// Mounts every route relative to where the caller puts it (`/sandbox/mp` in a store).
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()))
            .app_data(web::JsonConfig::default().error_handler(auth::json_error))
            .route("/js/v2", web::get().to(pages::brick_js))
            .route("/v1/card_tokens", web::post().to(tokens::create))
            .route("/v1/card_tokens/{id}", web::get().to(tokens::get))
            .route("/v1/payment_methods", web::get().to(methods::list))
            .route("/v1/payment_methods/search", web::get().to(methods::search))
            .route("/users/me", web::get().to(users::me))
            .route(
                "/v1/identification_types",
                web::get().to(methods::identification_types),
            )
            .route("/v1/payments", web::post().to(payments::create))
            .route("/v1/payments/search", web::get().to(payments::search))
            .route("/v1/payments/{id}", web::get().to(payments::get))
            .route("/v1/payments/{id}", web::put().to(payments::update))
            .route("/v1/payments/{id}/refunds", web::post().to(refunds::create))
            .route("/v1/payments/{id}/refunds", web::get().to(refunds::list))
            .route(
                "/v1/payments/{id}/refunds/{refund_id}",
                web::get().to(refunds::get),
            )
            .route("/checkout/preferences", web::post().to(preferences::create))
            .route(
                "/checkout/preferences/search",
                web::get().to(preferences::search),
            )
            .route(
                "/checkout/preferences/{id}",
                web::get().to(preferences::get),
            )
            .route(
                "/checkout/preferences/{id}",
                web::put().to(preferences::update),
            )
            .route("/sandbox/checkout", web::get().to(pages::wallet_checkout))
            .route("/sandbox/checkout", web::post().to(pages::wallet_pay))
            .route("/sandbox/voucher/{id}", web::get().to(pages::voucher))
            .route("/sandbox/voucher/{id}", web::post().to(pages::voucher))
            .route("/sandbox/3ds/challenge", web::post().to(threeds::challenge))
            .route(
                "/sandbox/3ds/challenge",
                web::get().to(threeds::challenge_get),
            )
            .route(
                "/sandbox/status_screen/{id}",
                web::get().to(pages::status_screen),
            )
            .configure(control::configure);
    }

    /// Every API request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.store.lock().unwrap().requests.clone()
    }

    pub fn payment(&self, id: i64) -> Option<serde_json::Value> {
        self.inner.store.lock().unwrap().payments.get(&id).cloned()
    }

    /// Every payment, oldest first, whatever the search lag.
    pub fn payments(&self) -> Vec<serde_json::Value> {
        let store = self.inner.store.lock().unwrap();
        let mut ids: Vec<i64> = store.payments.keys().copied().collect();
        ids.sort_unstable();
        ids.iter().map(|id| store.payments[id].clone()).collect()
    }

    /// Puts `faults` in force from now on, restarting the generator from `faults.seed`.
    pub fn set_faults(&self, faults: Faults) {
        self.inner.faults.lock().unwrap().set(faults);
    }

    pub fn faults(&self) -> Faults {
        self.inner.faults.lock().unwrap().faults.clone()
    }

    /// Every fault applied so far, oldest first.
    pub fn faults_log(&self) -> Vec<FaultEvent> {
        self.inner.faults.lock().unwrap().log.clone()
    }
}

/// The emulator on its own port, for tests.
pub struct RunningSandbox {
    pub base_url: String,
    pub sandbox: Sandbox,
    _server: actix_web::dev::ServerHandle,
}

/// The emulator alone on `host:port`, as its own process (`checkout sandbox`): a benchmark can
/// run it beside a store so that the store's CPU and memory figures are the store's own. It
/// stands in for a service on other machines, so on the store's machine the fewer of its threads
/// wake the better: a benchmark runs it on one worker.
pub async fn serve(
    config: SandboxConfig,
    host: &str,
    port: u16,
    workers: usize,
) -> std::io::Result<()> {
    let sandbox = Sandbox::new(config);
    HttpServer::new(move || {
        let s = sandbox.clone();
        App::new().configure(move |c| s.configure(c))
    })
    .workers(workers)
    .bind((host, port))?
    .run()
    .await
}

/// Starts the emulator on 127.0.0.1:0; `base_url` has no trailing slash.
pub async fn start_standalone(config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    let sandbox = Sandbox::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let mounted = sandbox.clone();
    let server = HttpServer::new(move || {
        let s = mounted.clone();
        App::new().configure(move |c| s.configure(c))
    })
    .workers(2)
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(RunningSandbox {
        base_url: format!("http://127.0.0.1:{port}"),
        sandbox,
        _server: handle,
    })
}
