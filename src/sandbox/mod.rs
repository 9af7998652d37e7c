//! An offline emulator of Mercado Pago's API, so the store works, and is tested, with no
//! credentials and no network. It answers like Mercado Pago for what the store uses (FACTS §9):
//! card tokens, payments (cards, Pix, tickets, ATM, PSE), reads, search, cancel, capture,
//! refunds, preferences, signed webhooks, plus a control API for tests and people.
//!
//! State lives in memory and is lost when the process stops; see the README for what the
//! store does then.

mod auth;
pub mod cards;
mod control;
mod methods;
mod pages;
mod payments;
mod preferences;
mod refunds;
mod store;
mod tokens;
pub mod webhooks;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpServer};

pub use store::RecordedRequest;
pub use webhooks::sign;

/// Which Mercado Pago account the emulator pretends to be.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub site_id: String,
    pub currency_id: String,
    pub decimals: u32,
    pub webhook_secret: String,
    pub deliver_webhooks: bool,
    /// Added before answering `POST /v1/payments`, to play a slow Mercado Pago.
    pub response_delay: Duration,
}

impl SandboxConfig {
    pub fn for_site(site: crate::domain::Site, webhook_secret: &str) -> Self {
        Self {
            site_id: site.id().to_string(),
            currency_id: site.currency().code().to_string(),
            decimals: site.currency().decimals(),
            webhook_secret: webhook_secret.to_string(),
            deliver_webhooks: true,
            response_delay: Duration::ZERO,
        }
    }
}

#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: SandboxConfig,
    pub store: Mutex<store::Store>,
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
                config,
                store: Mutex::new(store::Store::default()),
                http,
            }),
        }
    }

    /// Mounts every route relative to where the caller puts it (`/sandbox/mp` in the store).
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        cfg.app_data(web::Data::new(self.clone()))
            .app_data(web::JsonConfig::default().error_handler(auth::json_error))
            .route("/js/v2", web::get().to(pages::brick_js))
            .route("/v1/card_tokens", web::post().to(tokens::create))
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
                "/checkout/preferences/{id}",
                web::get().to(preferences::get),
            )
            .route("/sandbox/checkout", web::get().to(pages::wallet_checkout))
            .route("/sandbox/checkout", web::post().to(pages::wallet_pay))
            .route("/sandbox/voucher/{id}", web::get().to(pages::voucher))
            .route("/sandbox/voucher/{id}", web::post().to(pages::voucher))
            .configure(control::configure);
    }

    /// Every API request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.store.lock().unwrap().requests.clone()
    }

    pub fn payment(&self, id: i64) -> Option<serde_json::Value> {
        self.inner.store.lock().unwrap().payments.get(&id).cloned()
    }
}

/// The emulator on its own port, for tests.
pub struct RunningSandbox {
    pub base_url: String,
    pub sandbox: Sandbox,
    _server: actix_web::dev::ServerHandle,
}

/// The emulator alone on `host:port`, as its own process (`checkout sandbox`): the benchmark
/// runs it beside the store so that the store's CPU and memory figures are the store's own.
pub async fn serve(config: SandboxConfig, host: &str, port: u16) -> std::io::Result<()> {
    let sandbox = Sandbox::new(config);
    HttpServer::new(move || {
        let s = sandbox.clone();
        App::new().configure(move |c| s.configure(c))
    })
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
    .workers(1)
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
