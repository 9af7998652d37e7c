//! The back office's queries: merchants, their sessions, sign-in attempts.

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
    sqlx::query_as!(
        AdminSession,
        r#"select s.admin_id, a.email, s.csrf_token from admin_sessions s join admins a on a.id = s.admin_id
           where s.token_hash = $1 and s.expires_at > now()"#,
        token_hash
    )
    .fetch_optional(pool)
    .await
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

/// What the sign-in limiter said about one attempt.
pub struct Attempt {
    /// Both the email and the address have made at most `max` attempts in their window.
    pub within_limit: bool,
    /// Seconds until the window that refused this attempt ends; 0 when within the limit.
    pub retry_after_secs: i64,
}

/// Records a sign-in attempt, BEFORE its password is checked, against the email and against
/// the address, and says whether it is within `max` per 15 minutes for both: in one
/// statement, so that parallel attempts cannot all be counted before any is recorded. The
/// upsert locks each counter's row until it commits, so concurrent attempts on one counter
/// are numbered one after another (under READ COMMITTED an `on conflict do update` that
/// waited updates the latest version of the row). Every statement locks the email's row and
/// then the address's, in the order of the values, so two attempts never wait on each other
/// in a circle. Refused attempts count too; the window still ends 15 minutes after it began.
pub async fn record_attempt(
    pool: &PgPool,
    email: &str,
    ip: &str,
    max: i32,
) -> Result<Attempt, sqlx::Error> {
    let row = sqlx::query!(
        r#"with counted as (
               insert into admin_login_attempts as a (subject, attempts, window_started_at)
               values ('email:' || $1, 1, now()), ('ip:' || $2, 1, now())
               on conflict (subject) do update set
                   attempts = case when a.window_started_at > now() - interval '15 minutes'
                                   then a.attempts + 1 else 1 end,
                   window_started_at = case when a.window_started_at > now() - interval '15 minutes'
                                            then a.window_started_at else now() end
               returning attempts, window_started_at
           )
           select bool_and(attempts <= $3) as "within!",
                  coalesce(ceil(extract(epoch from
                      max(window_started_at) filter (where attempts > $3)
                      + interval '15 minutes' - now())), 0)::bigint as "retry_after_secs!"
           from counted"#,
        email,
        ip,
        max
    )
    .fetch_one(pool)
    .await?;
    Ok(Attempt {
        within_limit: row.within,
        retry_after_secs: row.retry_after_secs,
    })
}

/// After a successful sign-in: the email's earlier typos are forgiven (its owner has just
/// proved the password), and this attempt is given back to the address, whose other failures
/// still count. Two one-row statements, so neither holds a counter while waiting for another.
pub async fn forgive_attempts(pool: &PgPool, email: &str, ip: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from admin_login_attempts where subject = 'email:' || $1",
        email
    )
    .execute(pool)
    .await?;
    sqlx::query!(
        "update admin_login_attempts set attempts = greatest(attempts - 1, 0) where subject = 'ip:' || $1",
        ip
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Drops a batch of counters whose window has ended, so that guesses at many emails from
/// many addresses do not grow the table. Rows another attempt holds are skipped, not waited on.
pub async fn forget_old_attempts(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"delete from admin_login_attempts where subject in (
               select subject from admin_login_attempts
               where window_started_at < now() - interval '15 minutes'
               order by window_started_at limit 100
               for update skip locked)"#
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
