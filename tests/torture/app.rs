//! The store in live mode against the emulator, on a fresh database dropped afterwards.

use checkout::configuration::Settings;
use checkout::startup::Application;
use common::TestDatabase;
use sqlx::PgPool;
use std::collections::HashMap;

use crate::emulator::{ACCESS_TOKEN, PUBLIC_KEY};

pub const WEBHOOK_SECRET: &str = "torture-webhook-secret";
const SESSION_KEY: &str = "torture-session-key-torture-session-key-torture-session-key-0123";
/// How often the store sweeps Mercado Pago for changed payments (its default is 60 s).
pub const SWEEP_INTERVAL_SECS: u64 = 2;
pub const ADMIN_EMAIL: &str = "owner@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

pub struct Store {
    pub base: String,
    pub pool: PgPool,
    /// The round-robin proxy in front of several instances.
    pub proxy: Option<actix_web::web::Data<crate::proxy::Upstreams>>,
    /// Dropped with the store.
    _database: TestDatabase,
}

/// A port free right now: bound, read, released, so `APP_BASE_URL` can name it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Store {
    /// Builds and runs the store with an access token (live mode) whose Mercado Pago is the
    /// emulator at `mp_base`, and creates the back-office account. With several `instances`,
    /// they share one database and sit behind a round-robin proxy, whose address is `base`.
    pub async fn start(mp_base: &str, instances: usize) -> Self {
        let database = TestDatabase::create("checkout_torture").await;
        let database_url = database.url.clone();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut ports = vec![port];
        if instances > 1 {
            ports = (0..instances).map(|_| free_port()).collect();
        }
        let vars: HashMap<&str, String> = HashMap::from([
            ("DATABASE_URL", database_url.clone()),
            ("MP_ACCESS_TOKEN", ACCESS_TOKEN.into()),
            ("MP_PUBLIC_KEY", PUBLIC_KEY.into()),
            ("MP_WEBHOOK_SECRET", WEBHOOK_SECRET.into()),
            ("MP_SITE", "MLB".into()),
            ("MP_API_BASE", mp_base.into()),
            ("MP_SDK_URL", format!("{mp_base}/js/v2")),
            ("APP_BASE_URL", base.clone()),
            ("SESSION_KEY", SESSION_KEY.into()),
            ("HOST", "127.0.0.1".into()),
            // TORTURE_MP_TIMEOUT_SECS=8 makes one attempt's calls outlast a short stale_after.
            (
                "MP_TIMEOUT_SECS",
                std::env::var("TORTURE_MP_TIMEOUT_SECS").unwrap_or_else(|_| "2".into()),
            ),
            ("MP_CONNECT_TIMEOUT_SECS", "1".into()),
            ("RECONCILE_INTERVAL_SECS", "1".into()),
            ("SWEEP_INTERVAL_SECS", SWEEP_INTERVAL_SECS.to_string()),
            // Every shopper comes from 127.0.0.1: no per-address budgets (sessions keep theirs).
            ("RATE_LIMIT_CHECKOUT_PER_IP", "0".into()),
            ("RATE_LIMIT_PAYMENT_PER_IP", "0".into()),
            ("RATE_LIMIT_RETURN_PER_IP", "0".into()),
            ("RATE_LIMIT_LOGIN_PER_IP", "0".into()),
        ]);
        for port in &ports {
            let mut vars = vars.clone();
            vars.insert("PORT", port.to_string());
            let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("store settings");
            let app = Application::build(settings).await.expect("build the store");
            tokio::spawn(app.run_until_stopped());
        }
        let proxy = (instances > 1).then(|| {
            let upstreams = ports
                .iter()
                .map(|p| format!("http://127.0.0.1:{p}"))
                .collect();
            crate::proxy::start(upstreams, port)
        });
        let pool = PgPool::connect(&database_url).await.expect("torture pool");
        checkout::routes::admin::auth::create_admin(&pool, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .expect("create the back-office account");
        Self {
            base,
            pool,
            proxy,
            _database: database,
        }
    }

    pub fn webhook_url(&self) -> String {
        format!("{}/webhooks/mercadopago?source_news=webhooks", self.base)
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.pool)
            .await
            .unwrap_or(-1)
    }

    /// Orders still waiting for an answer, and notifications not yet processed.
    pub async fn unsettled(&self) -> (i64, i64) {
        (
            self.count(
                "select count(*) from orders where status in ('processing', 'payment_unknown')",
            )
            .await,
            self.count("select count(*) from notifications where processed_at is null")
                .await,
        )
    }
}

impl Store {
    /// Which orders and notifications are still undecided, for the settle phase's progress.
    pub async fn unsettled_detail(&self) -> String {
        let orders: Vec<String> = sqlx::query_scalar(
            "select id::text || ' ' || status || ' attempts ' || attempts || ' checks ' || checks
             from orders where status in ('processing', 'payment_unknown') order by id",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap_or_default();
        let notifications: Vec<String> = sqlx::query_scalar(
            "select topic || ' ' || data_id || ' ' || coalesce(outcome, '-')
             from notifications where processed_at is null order by id",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap_or_default();
        format!("orders {orders:?}; notifications {notifications:?}")
    }
}
