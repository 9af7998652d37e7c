//! Builds the application on any port (0 in tests) and runs it.

use std::net::TcpListener;
use std::sync::atomic::Ordering;

use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
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
use crate::domain::IdTypes;
use crate::domain::Timings;
use crate::mercadopago::MercadoPagoClient;
use crate::payments::id_types::{self, CurrentIdTypes};
use crate::routes;
use crate::security::{csp, error_pages};
use crate::state::AppState;
use crate::telemetry::echo_request_id;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    mailer: std::sync::Arc<crate::mail::Mailer>,
}

/// Stops a running store gracefully: new payments are refused and `/readyz` fails at once,
/// then the server stops accepting connections and waits up to `SHUTDOWN_GRACE_SECS` for the
/// requests in flight, a payment call to Mercado Pago and its record among them.
#[derive(Clone)]
pub struct Stopper {
    state: web::Data<AppState>,
    server: ServerHandle,
}

impl Stopper {
    /// The first half of a stop: new payments are refused and `/readyz` fails, so a load
    /// balancer takes the instance out, while everything else still answers.
    pub fn drain(&self) {
        self.state.draining.store(true, Ordering::SeqCst);
        self.state.payment_door.close();
    }

    pub async fn stop(&self) {
        self.drain();
        tracing::info!("stopping: no new payments; waiting for the requests in flight");
        self.server.stop(true).await;
        tracing::info!("stopped");
    }
}

impl Application {
    /// Connects to the database, runs migrations, binds, and wires every route.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pool = database(&settings).await?;
        let listener = listen(&settings.host, settings.port)
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
        let metrics = std::sync::Arc::new(crate::metrics::Metrics::for_store(
            settings.is_sandbox(),
            settings.site,
            settings.metrics.clone(),
        ));
        let mercadopago = MercadoPagoClient::new(
            api_base.clone(),
            mp.access_token.clone(),
            mp.connect_timeout,
            mp.timeout,
        )
        .context("building the HTTP client for Mercado Pago")?
        .with_metrics(metrics.clone())
        .with_max_in_flight(settings.mp_max_concurrent_calls, settings.mp_queue_wait);
        let policy = csp::policy(&csp::CspInputs {
            site: settings.site,
            base: &base_url,
            sdk_url: &sdk_url,
            api_base: &api_base,
            sandbox: settings.is_sandbox(),
            extra: &settings.csp.extra_hosts,
        });
        let policy_header = csp::header_name(settings.csp.report_only);
        let timings = Timings::derive(mp.connect_timeout, mp.timeout);
        let lender = crate::db::lending::Lender::start(pool.clone());
        let reconciler = std::sync::Arc::new(crate::reconcile::Reconciler {
            pool: pool.clone(),
            lender: lender.clone(),
            mercadopago: mercadopago.clone(),
            metrics: metrics.clone(),
            timings,
            interval: settings.reconcile_interval,
            sweep_interval: settings.sweep_interval,
            unpaid_order_expiry: settings.unpaid_order_expiry,
            refund_duplicates: mp.refund_duplicates,
            rereads: Default::default(),
            marks: crate::reconcile::marks::Marks::start(lender.clone(), metrics.clone()),
            // The worker leaves a fresh notification to the receiving request's own re-read:
            // its pause, then one read's time.
            inbox: crate::reconcile::inbox::Inbox::start(
                lender.clone(),
                settings.webhook_reread_delay + (timings.connect_timeout + timings.timeout) * 2,
            ),
            news_delay: settings.webhook_reread_delay,
        });
        let checkout = std::sync::Arc::new(crate::payments::charge::Checkout {
            pool: pool.clone(),
            lender: lender.clone(),
            mercadopago: mercadopago.clone(),
            site: settings.site,
            timings,
            limits: settings.attempt_limits,
            freshness: settings.order_freshness,
            stock_reservation: settings.stock_reservation,
            approval: settings.approval.clone(),
            pix_expiration: settings.pix_expiration,
            notification_url: crate::state::notification_url(&base_url),
            store_name: crate::i18n::texts(settings.site.lang()).store_name,
            refund_duplicates: mp.refund_duplicates,
        });
        let order_links = std::sync::Arc::new(crate::mail::OrderLinks::new(
            settings.session_key_bytes(),
            settings.mail.order_link_valid_for,
        ));
        let mailer = std::sync::Arc::new(
            crate::mail::Mailer::new(
                pool.clone(),
                settings.site,
                base_url.clone(),
                order_links.clone(),
                &settings.mail,
            )
            .context("setting up e-mail")?
            .yield_to(lender.clone()),
        );
        let catalog = crate::db::catalog::Catalog::start(pool.clone(), settings.site.currency());
        let state = web::Data::new(AppState {
            order_links,
            mail_sends: mailer.sends(),
            checkout,
            payment_door: crate::payments::door::PaymentDoor::new(
                settings.payment_max_in_progress,
                settings.payment_queue_wait,
            ),
            pool,
            lender,
            catalog,
            mercadopago,
            site: settings.site,
            public_key: mp.public_key.clone(),
            sdk_url: sdk_url.clone(),
            base_url: base_url.clone(),
            sandbox: settings.is_sandbox(),
            timings,
            webhook_secret: mp.webhook_secret.clone(),
            preference_expiration: settings.preference_expiration,
            refund_duplicates: mp.refund_duplicates,
            hints: Default::default(),
            reconciler: reconciler.clone(),
            test_credentials: settings.test_credentials(),
            csp_reports: Default::default(),
            order_freshness: settings.order_freshness,
            picture_max_bytes: settings.picture_max_bytes,
            stock_reservation: settings.stock_reservation,
            draining: Default::default(),
            metrics,
            status_screen: settings
                .approval
                .status_screen
                .unwrap_or(!settings.is_sandbox()),
            csp: (policy_header, policy.clone()),
            id_types: std::sync::Arc::new(CurrentIdTypes::new(IdTypes::built_in(settings.site))),
        });
        announce_mode(&settings);
        let one_call = mp.connect_timeout + mp.timeout;
        if settings.shutdown_grace < one_call {
            tracing::warn!(
                grace_secs = settings.shutdown_grace.as_secs(),
                one_call_secs = one_call.as_secs(),
                "SHUTDOWN_GRACE_SECS is shorter than one call to Mercado Pago may take; \
                 a payment cut off by a stop is resolved later by the reconciliation worker"
            );
        }
        tokio::spawn(crate::reconcile::worker::run(reconciler));
        tokio::spawn(crate::mail::worker::run(mailer.clone()));
        let reporting = csp::reporting_endpoints(&base_url);
        let sandbox = settings
            .is_sandbox()
            .then(|| sandbox(&settings, port))
            .transpose()?;
        let key = Key::from(settings.session_key_bytes());
        let secure_cookie = base_url.scheme() == "https";
        let app_state = state.clone();
        // Abuse limits: the client-IP rule and per-instance budgets, checked inside the
        // session middleware (to see the shopper) and inside the error pages.
        let limits = web::Data::new(crate::limits::Limits::new(&settings.limits));
        let chrome = web::Data::new(crate::security::ErrorChrome {
            lang: settings.site.lang(),
            sandbox: settings.is_sandbox(),
            test_credentials: settings.test_credentials(),
        });
        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                .cookie_name("checkout_session".into())
                .cookie_secure(secure_cookie)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .build();
            let mut headers = DefaultHeaders::new()
                .add((policy_header, policy.clone()))
                .add(("Reporting-Endpoints", reporting.clone()))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
                .add(("X-Frame-Options", "DENY"));
            if secure_cookie {
                // A year; not subdomains, which may be the merchant's other, plain-http sites.
                headers = headers.add(("Strict-Transport-Security", "max-age=31536000"));
            }
            App::new()
                .app_data(limits.clone())
                .app_data(chrome.clone())
                .wrap(from_fn(crate::limits::guard))
                .wrap(ErrorHandlers::new().default_handler(error_pages))
                .wrap(session)
                .wrap(from_fn(routes::payments::door))
                .wrap(headers)
                .wrap(from_fn(echo_request_id))
                .wrap(TracingLogger::<crate::telemetry::RedactedRootSpan>::new())
                .app_data(app_state.clone())
                .configure(routes::configure)
                .configure(|cfg| {
                    if let Some(sandbox) = &sandbox {
                        cfg.service(web::scope("/sandbox/mp").configure(|c| sandbox.configure(c)));
                    }
                })
        })
        .shutdown_timeout(settings.shutdown_grace.as_secs())
        // SIGTERM and Ctrl-C are ours (`run_until_stopped`): first refuse new payments.
        .disable_signals()
        .listen(listener)?
        .run();
        tracing::info!(%base_url, site = settings.site.id(), "store listening");
        // After the server runs: in sandbox mode Mercado Pago is this very server.
        tokio::spawn(id_types::keep_fresh(
            state.mercadopago.clone(),
            settings.site,
            std::sync::Arc::downgrade(&state.id_types),
        ));
        Ok(Self {
            port,
            server,
            state,
            mailer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The mail worker's handle: tests drive its passes themselves.
    pub fn mailer(&self) -> std::sync::Arc<crate::mail::Mailer> {
        self.mailer.clone()
    }

    pub fn stopper(&self) -> Stopper {
        Stopper {
            state: self.state.clone(),
            server: self.server.handle(),
        }
    }

    /// Runs until the server stops; SIGTERM or Ctrl-C stop it gracefully.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopper = self.stopper();
        let signals = tokio::spawn(async move {
            stop_signal().await;
            stopper.stop().await;
        });
        let result = self.server.await;
        signals.abort();
        result
    }
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Says loudly which Mercado Pago the store talks to, and what that exposes.
fn announce_mode(settings: &Settings) {
    if settings.is_sandbox() {
        tracing::warn!("SANDBOX MODE: payments go to the offline Mercado Pago emulator at /sandbox/mp. No real money moves.");
        if !crate::configuration::is_loopback_host(&settings.host) {
            tracing::warn!(host = %settings.host, "MP_MODE=sandbox on a reachable address: anyone who reaches it can use the emulator's control API (approve payments, read recorded requests). Only for a demonstration.");
        }
    } else if settings.test_credentials() {
        tracing::warn!("LIVE MODE ON TEST CREDENTIALS: Mercado Pago's test environment, no real money. Put production credentials in before opening the store.");
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
    crate::db::migrations::migrator()
        .run(&pool)
        .await
        .context("running database migrations")?;
    Ok(pool)
}

async fn connect(settings: &Settings) -> anyhow::Result<PgPool> {
    let options = settings
        .database_options()
        .context("reading DATABASE_URL")?;
    PgPoolOptions::new()
        .max_connections(settings.database_max_connections)
        .acquire_timeout(settings.database_acquire_timeout)
        // Checking every connection on acquire costs a round trip per query.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .context("connecting to the database (DATABASE_URL)")
}

/// The listening socket, with room for a burst of new connections: std's backlog of 128 would
/// make thousands of shoppers arriving at once retry their SYN a second later.
fn listen(host: &str, port: u16) -> std::io::Result<TcpListener> {
    use std::net::ToSocketAddrs;
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("the host resolves to no address"))?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

fn display_host(host: &str) -> &str {
    match host {
        "0.0.0.0" | "::" => "127.0.0.1",
        other => other,
    }
}
