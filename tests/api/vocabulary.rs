//! The database's lists of statuses, states and sources (the enums its checks cast to) are
//! the Rust enums' own: a value one side has and the other lacks would be refused at the
//! worst moment, a payment's outcome.

use checkout::domain::order_status::Source;
use checkout::domain::{AttemptState, OrderStatus};
use common::spawn_app;
use sqlx::PgPool;

async fn labels(pool: &PgPool, enum_type: &str) -> Vec<String> {
    sqlx::query_scalar(&format!(
        "select unnest(enum_range(null::{enum_type}))::text"
    ))
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_checks_know_every_value_the_store_writes_and_refuse_others() {
    let app = spawn_app().await;
    let pool = &app.pool;
    assert_eq!(
        labels(pool, "order_status").await,
        OrderStatus::ALL.map(|s| s.as_str().to_string())
    );
    assert_eq!(
        labels(pool, "attempt_state").await,
        AttemptState::ALL.map(|s| s.as_str().to_string())
    );
    assert_eq!(
        labels(pool, "history_source").await,
        Source::ALL.map(|s| s.as_str().to_string())
    );
    assert_eq!(
        labels(pool, "mail_status").await,
        ["queued", "sent", "kept", "skipped", "failed"]
    );

    let order_id = sqlx::query_scalar::<_, uuid::Uuid>(
        "insert into orders (id, shopper_id, site, currency, total_minor, cart_fingerprint)
         values (gen_random_uuid(), gen_random_uuid(), 'MLB', 'BRL', 100, 'f') returning id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let refused = sqlx::query("update orders set status = 'shipped' where id = $1")
        .bind(order_id)
        .execute(pool)
        .await
        .expect_err("a status outside the list");
    assert!(
        refused.to_string().contains("order_status"),
        "the error names the list: {refused}"
    );
    let status: String = sqlx::query_scalar("select status from orders where id = $1")
        .bind(order_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(status, "created", "nothing changed");
}
