//! Which of this build's migrations the database has applied.

use std::collections::HashMap;

use sqlx::migrate::Migrator;
use sqlx::{PgConnection, PgPool};

/// Every migration this build carries; `startup` runs them, `/readyz` and the doctor check them.
/// A database migrated by a newer build is accepted: migrations only add, so rolling back the
/// binary after an upgrade works without restoring a dump.
pub fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator
}

/// How many of this build's migrations the database lacks (or has only as failed).
pub async fn pending(pool: &PgPool) -> Result<usize, sqlx::Error> {
    // sqlx's own bookkeeping table, not our schema: `scripts/sqlx-prepare` builds the schema
    // without it, so this one query cannot be compile-checked.
    let applied: Vec<i64> =
        match sqlx::query_scalar::<_, i64>("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await
        {
            Ok(applied) => applied,
            // A database no store has started on yet has no migrations table.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => Vec::new(),
            Err(e) => return Err(e),
        };
    Ok(migrator()
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .count())
}

/// `version -> (success, checksum)` of what sqlx recorded; empty when it never ran here.
pub async fn applied(
    conn: &mut PgConnection,
) -> Result<HashMap<i64, (bool, Vec<u8>)>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query_as("select version, success, checksum from _sqlx_migrations")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(v, ok, sum)| (v, (ok, sum)))
        .collect())
}
