//! How the store connects to PostgreSQL (`db::connect`): a database on this machine without
//! TLS unless asked for, and connections named in `pg_stat_activity`.

use checkout::configuration::Settings;
use common::TestDatabase;
use sqlx::{Connection, PgConnection, PgPool};

/// The store's pool for `url`, as `startup` builds it.
async fn store_pool(url: &str) -> PgPool {
    let url = url.to_string();
    let settings = Settings::from_lookup(|name| (name == "DATABASE_URL").then(|| url.clone()))
        .expect("settings with only DATABASE_URL");
    checkout::startup::database(&settings).await.unwrap()
}

/// Whether this connection's backend speaks TLS, and what it is called.
async fn seen_by_the_server<'e>(db: impl sqlx::PgExecutor<'e>) -> (bool, String) {
    sqlx::query_as(
        "select s.ssl, a.application_name from pg_stat_ssl s join pg_stat_activity a using (pid)
         where pid = pg_backend_pid()",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_database_on_this_machine_is_reached_without_tls_unless_the_url_asks() {
    let db = TestDatabase::create("connect").await;
    if !["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|h| db.url.contains(h))
    {
        eprintln!("TEST_DATABASE_URL is on another machine: nothing to check here");
        return;
    }
    // Whether this server offers TLS at all: sqlx's own default takes it when it does, which
    // is what the store's default must not do here.
    let mut plain = PgConnection::connect(&db.url).await.unwrap();
    let (offered, _) = seen_by_the_server(&mut plain).await;
    plain.close().await.unwrap();

    let pool = store_pool(&db.url).await;
    assert_eq!(
        seen_by_the_server(&pool).await,
        (false, "checkout".to_string()),
        "the store's own connection: no TLS on loopback, named for pg_stat_activity"
    );
    pool.close().await;

    if offered {
        let sep = if db.url.contains('?') { '&' } else { '?' };
        let asked = format!("{}{sep}sslmode=require&application_name=shop", db.url);
        let pool = store_pool(&asked).await;
        assert_eq!(
            seen_by_the_server(&pool).await,
            (true, "shop".to_string()),
            "the URL's sslmode and name stand"
        );
        pool.close().await;
    }
}
