//! The back office's queries: merchants, their sessions, failed sign-ins.

use sqlx::PgPool;
use time::OffsetDateTime;

pub struct AdminSession {
    pub admin_id: i64,
    pub email: String,
    pub csrf_token: String,
}

pub async fn create_admin(
    pool: &PgPool,
    email: &str,
    password_hash: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"insert into admins (email, password_hash) values ($1, $2)
           on conflict (email) do update set password_hash = excluded.password_hash returning id"#,
        email,
        password_hash
    )
    .fetch_one(pool)
    .await
}

pub async fn credentials(pool: &PgPool, email: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query!(
        "select id, password_hash from admins where email = $1",
        email
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

pub async fn any_admin(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(r#"select exists(select 1 from admins) as "any!""#)
        .fetch_one(pool)
        .await
}

pub async fn start_session(
    pool: &PgPool,
    admin_id: i64,
    token_hash: &str,
    csrf_token: &str,
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into admin_sessions (token_hash, admin_id, csrf_token, expires_at) values ($1, $2, $3, $4)",
        token_hash,
        admin_id,
        csrf_token,
        expires_at
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn session(pool: &PgPool, token_hash: &str) -> Result<Option<AdminSession>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select s.admin_id, a.email, s.csrf_token from admin_sessions s join admins a on a.id = s.admin_id
           where s.token_hash = $1 and s.expires_at > now()"#,
        token_hash
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| AdminSession {
        admin_id: r.admin_id,
        email: r.email,
        csrf_token: r.csrf_token,
    }))
}

pub async fn end_session(pool: &PgPool, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from admin_sessions where token_hash = $1",
        token_hash
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn record_failure(pool: &PgPool, email: &str, ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into admin_login_failures (email, ip) values ($1, $2)",
        email,
        ip
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Failed sign-ins for this email, or from this address, in the last 15 minutes.
pub async fn recent_failures(pool: &PgPool, email: &str, ip: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!" from admin_login_failures
           where at > now() - interval '15 minutes' and (email = $1 or ip = $2)"#,
        email,
        ip
    )
    .fetch_one(pool)
    .await
}
