//! Builds the application on any port (0 in tests) and runs it.

use std::net::TcpListener;
use std::time::Duration;

use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use mercadopago_sandbox::{Sandbox, SandboxConfig};
use secrecy::ExposeSecret;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tracing_actix_web::TracingLogger;
use url::Url;

use crate::configuration::{Mode, Settings};
use crate::mercadopago::MercadoPagoClient;
use crate::payments::Timings;
use crate::routes;
use crate::security::{content_security_policy, error_pages};
use crate::state::AppState;
use crate::telemetry::echo_request_id;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, runs migrations, binds, and wires every route.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = database(&settings).await?;
        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let base_url = match &settings.app_base_url {
            Some(url) => url.clone(),
            None => Url::parse(&format!("http://{}:{port}", display_host(&settings.host)))?,
        };
        let (api_base, sdk_url) = match &settings.mercadopago.mode {
            Mode::Live { api_base, sdk_url } => (api_base.clone(), sdk_url.to_string()),
            Mode::Sandbox => {
                let local = Url::parse(&format!("http://127.0.0.1:{port}/sandbox/mp"))?;
                (
                    local,
                    format!(
                        "{}/sandbox/mp/js/v2",
                        base_url.as_str().trim_end_matches('/')
                    ),
                )
            }
        };
        let mp = &settings.mercadopago;
        let mercadopago = MercadoPagoClient::new(
            api_base.clone(),
            mp.access_token.clone(),
            mp.connect_timeout,
            mp.timeout,
        )
        .context("building the HTTP client for Mercado Pago")?;
        let state = web::Data::new(AppState {
            pool,
            catalog: crate::db::catalog::Catalog::new(settings.site.currency()),
            mercadopago,
            site: settings.site,
            public_key: mp.public_key.clone(),
            sdk_url: sdk_url.clone(),
            base_url: base_url.clone(),
            sandbox: settings.is_sandbox(),
            timings: Timings::derive(mp.connect_timeout, mp.timeout),
            webhook_secret: mp.webhook_secret.clone(),
            pix_expiration: settings.pix_expiration,
            preference_expiration: settings.preference_expiration,
            attempt_limits: settings.attempt_limits,
            refund_duplicates: mp.refund_duplicates,
            hints: Default::default(),
            reconcile_interval: settings.reconcile_interval,
            rereads: Default::default(),
        });
        if settings.is_sandbox() {
            tracing::warn!("SANDBOX MODE: no MP_ACCESS_TOKEN set; payments go to the offline Mercado Pago emulator at /sandbox/mp. No real money moves.");
        }
        tokio::spawn(crate::reconcile::worker::run(
            state.clone().into_inner(),
            settings.reconcile_interval,
            settings.sweep_interval,
        ));
        let csp = content_security_policy(&base_url, &sdk_url, &api_base, settings.is_sandbox());
        let sandbox = settings
            .is_sandbox()
            .then(|| sandbox(&settings, port))
            .transpose()?;
        let key = Key::from(settings.session_key_bytes());
        let secure_cookie = base_url.scheme() == "https";
        // Abuse limits: the client-IP rule and per-instance budgets, checked inside the
        // session middleware (to see the shopper) and inside the error pages.
        let limits = web::Data::new(crate::limits::Limits::new(&settings.limits));
        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                .cookie_name("checkout_session".into())
                .cookie_secure(secure_cookie)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .build();
            App::new()
                .app_data(limits.clone())
                .wrap(from_fn(crate::limits::guard))
                .wrap(ErrorHandlers::new().default_handler(error_pages))
                .wrap(session)
                .wrap(
                    DefaultHeaders::new()
                        .add(("Content-Security-Policy", csp.clone()))
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
                        .add(("X-Frame-Options", "DENY")),
                )
                .wrap(from_fn(echo_request_id))
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .configure(routes::configure)
                .configure(|cfg| {
                    if let Some(sandbox) = &sandbox {
                        cfg.service(web::scope("/sandbox/mp").configure(|c| sandbox.configure(c)));
                    }
                })
        })
        .listen(listener)?
        .run();
        tracing::info!(%base_url, site = settings.site.id(), "store listening");
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The offline Mercado Pago emulator mounted at `/sandbox/mp`, as the account of the store's
/// site, with the faults of `SANDBOX_FAULTS` if set. Its "panel" webhook URL is this store's,
/// by loopback, as a merchant would configure it: the store sends no `notification_url` for a
/// base URL that Mercado Pago could not reach.
fn sandbox(settings: &Settings, port: u16) -> anyhow::Result<Sandbox> {
    let secret = settings.mercadopago.webhook_secret.expose_secret();
    let mut config = SandboxConfig::for_site(settings.site.id(), secret)
        .with_context(|| format!("the emulator knows no site {}", settings.site.id()))?
        .with_faults_from_env()
        .map_err(anyhow::Error::msg)?;
    config.response_delay = settings.sandbox_delay;
    config.webhook_url = Some(format!(
        "http://127.0.0.1:{port}/webhooks/mercadopago?source_news=webhooks"
    ));
    Ok(Sandbox::new(config))
}

/// The pool, with every migration applied.
pub async fn database(settings: &Settings) -> anyhow::Result<PgPool> {
    let pool = connect(settings).await?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("running database migrations")?;
    Ok(pool)
}

async fn connect(settings: &Settings) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(3))
        // Checking every connection on acquire costs a round trip per query.
        .test_before_acquire(false)
        .connect(settings.database_url.expose_secret())
        .await
        .context("connecting to the database (DATABASE_URL)")
}

fn display_host(host: &str) -> &str {
    match host {
        "0.0.0.0" | "::" => "127.0.0.1",
        other => other,
    }
}
