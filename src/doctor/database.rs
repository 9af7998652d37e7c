//! Database reachable, and every migration this binary carries applied: compared with sqlx's
//! own bookkeeping table, without running anything. Unlike `db::migrations::pending` (for
//! `/readyz`), it says which migration is missing, failed or changed.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::{Connection, PgConnection};

use super::{Check, DATABASE};
use crate::configuration::Settings;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MIGRATE_FIX: &str = "start the store once (`checkout`): it applies its migrations at start";

pub async fn check(settings: &Settings) -> Check {
    // The options are parsed here, not printed: the URL may hold a password.
    let options = match settings.database_options() {
        Ok(options) => options,
        Err(e) => {
            return Check::failed(
                DATABASE,
                format!("DATABASE_URL is unreadable: {e}"),
                "set DATABASE_URL to postgres://USER:PASSWORD@HOST:PORT/DATABASE",
            )
        }
    };
    let target = format!(
        "{} on {}:{}",
        options.get_database().unwrap_or("(default database)"),
        options.get_host(),
        options.get_port()
    );
    let mut conn =
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Check::failed(
                    DATABASE,
                    format!("cannot connect to {target}: {e}"),
                    "check DATABASE_URL, and that PostgreSQL runs and lets this machine in",
                )
            }
            Err(_) => {
                return Check::failed(
                    DATABASE,
                    format!(
                        "no answer from {target} within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ),
                    "check DATABASE_URL's host and port, and any firewall in between",
                )
            }
        };
    let applied = crate::db::migrations::applied(&mut conn).await;
    let _ = conn.close().await;
    match applied {
        Ok(applied) => compare(&target, &applied),
        Err(e) => Check::failed(
            DATABASE,
            format!("connected to {target}, but cannot read its migrations: {e}"),
            "give the DATABASE_URL user read access to _sqlx_migrations",
        ),
    }
}

fn compare(target: &str, applied: &HashMap<i64, (bool, Vec<u8>)>) -> Check {
    let migrator = crate::db::migrations::migrator();
    let embedded: Vec<_> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    let total = embedded.len();
    let name = |m: &sqlx::migrate::Migration| format!("{} {}", m.version, m.description);
    if let Some(m) = embedded
        .iter()
        .find(|m| applied.get(&m.version).is_some_and(|(ok, _)| !ok))
    {
        return Check::failed(
            DATABASE,
            format!("migration {} failed part-way", name(m)),
            "read the store's start-up error, repair the database (or restore the last backup), then start the store again",
        );
    }
    if let Some(m) = embedded.iter().find(|m| {
        applied
            .get(&m.version)
            .is_some_and(|(_, sum)| sum.as_slice() != m.checksum.as_ref())
    }) {
        return Check::failed(
            DATABASE,
            format!("migration {} differs from the one applied", name(m)),
            "run the release that migrated this database; a shipped migration is never edited",
        );
    }
    let pending: Vec<_> = embedded
        .iter()
        .filter(|m| !applied.contains_key(&m.version))
        .collect();
    if let Some(first) = pending.first() {
        return Check::failed(
            DATABASE,
            format!(
                "{target}: {} of {total} migrations not applied (first: {})",
                pending.len(),
                name(first)
            ),
            MIGRATE_FIX,
        );
    }
    let unknown = applied
        .keys()
        .filter(|v| !embedded.iter().any(|m| m.version == **v))
        .count();
    let newer = if unknown > 0 {
        // Accepted like the start-up accepts it: migrations only add, so a binary rolled
        // back after an upgrade still works.
        format!(" (and {unknown} from a newer release)")
    } else {
        String::new()
    };
    Check::ok(
        DATABASE,
        format!("{target} reachable, all {total} migrations applied{newer}"),
    )
}
