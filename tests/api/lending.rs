//! The payment path's lent connections (`db::lending`): reused without sqlx's release, never
//! parked with anything left to flush, fair to borrowers in line and to the rest of the pool.

use std::time::Duration;

use checkout::db::lending::Lender;
use common::{eventually, TestDatabase};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool};

/// Six connections: the lender may hold two, four stay with sqlx's pool.
async fn pool(db: &TestDatabase) -> PgPool {
    PgPoolOptions::new()
        .max_connections(6)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .connect(&db.url)
        .await
        .unwrap()
}

async fn backend(conn: &mut sqlx::PgConnection) -> i32 {
    sqlx::query_scalar("select pg_backend_pid()")
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_connection_given_back_is_lent_again_as_it_is() {
    let db = TestDatabase::create("lending").await;
    let lender = Lender::start(pool(&db).await);
    let mut first = lender.lend().await.unwrap();
    let pid = backend(&mut first).await;
    first.give_back();
    assert_eq!(lender.parked(), 1, "parked, not released to sqlx");
    let mut again = lender.lend().await.unwrap();
    assert_eq!(backend(&mut again).await, pid, "the same connection");
    assert_eq!(lender.parked(), 0);
    again.give_back();
}

#[tokio::test]
async fn a_connection_not_given_back_is_released_through_sqlx() {
    let db = TestDatabase::create("lending").await;
    let pool = pool(&db).await;
    let lender = Lender::start(pool.clone());
    let mut conn = lender.lend().await.unwrap();
    backend(&mut conn).await;
    // What an error or a cancelled future does: the borrower never gives it back.
    drop(conn);
    assert_eq!(lender.parked(), 0);
    eventually(
        "sqlx's pool has it back",
        Duration::from_secs(5),
        || async { pool.num_idle() == 1 },
    )
    .await;
}

#[tokio::test]
async fn a_dropped_transaction_is_never_parked_with_its_rollback_unsent() {
    let db = TestDatabase::create("lending").await;
    let pool = pool(&db).await;
    sqlx::query("create table t (id int primary key)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("insert into t values (1)")
        .execute(&pool)
        .await
        .unwrap();
    let lender = Lender::start(pool.clone());
    let mut conn = lender.lend().await.unwrap();
    {
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("select id from t where id = 1 for update")
            .execute(&mut *tx)
            .await
            .unwrap();
        // Dropped: sqlx queues the rollback, to be sent with the connection's next message.
    }
    conn.give_back();
    assert_eq!(
        lender.parked(),
        0,
        "parked, its row lock would stay held until the next borrower"
    );
    eventually(
        "the row lock is released",
        Duration::from_secs(5),
        || async {
            sqlx::query("select id from t where id = 1 for update nowait")
                .execute(&pool)
                .await
                .is_ok()
        },
    )
    .await;
}

#[tokio::test]
async fn borrowers_beyond_the_lendable_wait_in_line_and_leave_the_pool_its_share() {
    let db = TestDatabase::create("lending").await;
    let pool = pool(&db).await;
    let lender = Lender::start(pool.clone());
    let mut a = lender.lend().await.unwrap();
    let pid = backend(&mut a).await;
    let b = lender.lend().await.unwrap();
    let waiting = tokio::spawn({
        let lender = lender.clone();
        async move {
            let mut c = lender.lend().await.unwrap();
            let pid = backend(&mut c).await;
            c.give_back();
            pid
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiting.is_finished(),
        "a third borrower waits for a permit"
    );
    // The rest of the store still finds connections in sqlx's pool.
    let mut others = Vec::new();
    for _ in 0..4 {
        others.push(pool.acquire().await.expect("the pool's own share"));
    }
    drop(others);
    a.give_back();
    let got = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiting borrower is served once a connection is given back")
        .unwrap();
    assert_eq!(got, pid, "it got the connection given back");
    b.give_back();
}

#[tokio::test]
async fn an_idle_stores_parked_connections_go_back_to_sqlx() {
    let db = TestDatabase::create("lending").await;
    let pool = pool(&db).await;
    let lender = Lender::start(pool.clone());
    let mut conn = lender.lend().await.unwrap();
    backend(&mut conn).await;
    conn.give_back();
    assert_eq!(lender.parked(), 1);
    eventually(
        "the parked connection is released",
        Duration::from_secs(5),
        || async { lender.parked() == 0 && pool.num_idle() == 1 },
    )
    .await;
}

#[test]
fn a_lender_that_outlives_its_runtime_closes_what_it_parked() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (lender, db) = runtime.block_on(async {
        let db = TestDatabase::create("lending").await;
        let lender = Lender::start(pool(&db).await);
        let mut conn = lender.lend().await.unwrap();
        backend(&mut conn).await;
        conn.give_back();
        (lender, db)
    });
    assert_eq!(lender.parked(), 1);
    drop(runtime);
    // sqlx would panic releasing it here, with no runtime to do it on.
    drop(lender);
    drop(db);
}

#[tokio::test]
async fn the_lender_is_saturated_while_every_connection_it_may_lend_is_out() {
    let db = TestDatabase::create("lending").await;
    let lender = Lender::start(pool(&db).await);
    assert!(!lender.saturated());
    let first = lender.lend().await.unwrap();
    assert!(!lender.saturated(), "one of two lent");
    let second = lender.lend().await.unwrap();
    assert!(lender.saturated(), "both lent: the mail worker waits");
    second.give_back();
    assert!(!lender.saturated(), "parked is not lent");
    first.give_back();
}

#[tokio::test]
async fn the_lender_is_quiet_once_nothing_is_lent_and_nothing_was_for_a_while() {
    let db = TestDatabase::create("lending").await;
    let lender = Lender::start(pool(&db).await);
    let mark = lender.lends();
    let hour = Duration::from_secs(3600);
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), lender.quiet(mark, hour)).await,
        Ok(mark),
        "nothing lent since the mark: at once, whatever the settling time"
    );

    let first = lender.lend().await.unwrap();
    let settle = Duration::from_secs(2);
    let waiting = tokio::spawn({
        let lender = lender.clone();
        async move { lender.quiet(mark, settle).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "a connection is lent");
    first.give_back();
    // Lent again (and dropped, not given back) within the settling time: it starts again.
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(lender.lend().await.unwrap());
    let lent_last = std::time::Instant::now();
    let new_mark = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("quiet once nothing is lent")
        .unwrap();
    assert!(lent_last.elapsed() >= settle, "settled after the last lend");
    assert_eq!(new_mark, lender.lends());
    assert_eq!(new_mark, mark + 2);
}
