//! Signing merchants in and out, and the extractor that guards every back-office route.
//!
//! The admin cookie (`checkout_admin`, HttpOnly, SameSite=Strict, path /admin) is separate
//! from the shopper's session and holds only a random token; the database keeps its hash and
//! the session's CSRF token. Sign-in attempts are counted per email and per client address
//! (the trusted-proxy rule of `limits::client_ip`) before the password is checked.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::{HeaderValue, LOCATION, RETRY_AFTER};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use askama::Template;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::admin as db;
use crate::limits::{client_ip, Limits};
use crate::session::constant_time_eq;
use crate::state::AppState;

use super::{admin_texts, AdminError, AdminTexts};

pub const COOKIE: &str = "checkout_admin";
const LOGIN_CSRF_COOKIE: &str = "checkout_admin_login";
/// Sign-in attempts allowed per 15 minutes, per email and per address. A successful one
/// does not count (`db::forgive_attempts`), so in effect these are failures.
pub const MAX_FAILURES: i32 = 5;
const SESSION_HOURS: i64 = 12;
/// The longest address SMTP can deliver to (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;

/// A signed-in merchant. Extracting it is what protects a route.
pub struct Admin {
    pub id: i64,
    pub email: String,
    pub csrf_token: String,
}

impl Admin {
    /// Refuses a state-changing form whose token is not this session's.
    pub fn check_csrf(&self, presented: &str) -> Result<(), AdminError> {
        if constant_time_eq(self.csrf_token.as_bytes(), presented.as_bytes()) {
            Ok(())
        } else {
            Err(AdminError::Csrf)
        }
    }
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

impl FromRequest for Admin {
    type Error = AdminError;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, AdminError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req.cookie(COOKIE).map(|c| c.value().to_string());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(AdminError::SignedOut);
            };
            match db::session(&state.pool, &hash_token(&token)).await? {
                Some(s) => Ok(Admin {
                    id: s.admin_id,
                    email: s.email,
                    csrf_token: s.csrf_token,
                }),
                None => Err(AdminError::SignedOut),
            }
        })
    }
}

/// `checkout create-admin EMAIL`: the password comes from standard input, never argv.
pub async fn create_admin(pool: &sqlx::PgPool, email: &str, password: &str) -> anyhow::Result<()> {
    let email = crate::domain::Email::parse(email).map_err(|m| anyhow::anyhow!("email: {m}"))?;
    if password.chars().count() < 12 {
        anyhow::bail!("the password must have at least 12 characters");
    }
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
        .to_string();
    db::create_admin(pool, &email.as_str().to_lowercase(), &hash).await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    t: &'static AdminTexts,
    lang: &'static str,
    csrf: String,
    error: Option<&'static str>,
    sandbox_hint: bool,
}

pub async fn login_form(state: web::Data<AppState>) -> Result<HttpResponse, AdminError> {
    login_page(&state, None, actix_web::http::StatusCode::OK).await
}

async fn login_page(
    state: &AppState,
    error: Option<&'static str>,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AdminError> {
    let csrf = random_token();
    let page = LoginPage {
        t: admin_texts(state.site.lang()),
        lang: state.site.lang().code(),
        csrf: csrf.clone(),
        error,
        sandbox_hint: state.sandbox && !db::any_admin(&state.pool).await?,
    };
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, csrf)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.base_url.scheme() == "https")
        .finish();
    Ok(HttpResponse::build(status)
        .cookie(cookie)
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(
            page.render()
                .map_err(|e| AdminError::Unexpected(e.into()))?,
        ))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AdminError> {
    // Double-submit token: a cross-site form cannot read our cookie to copy it.
    let expected = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.csrf_token.as_bytes()) {
        return Err(AdminError::Csrf);
    }
    let t = admin_texts(state.site.lang());
    let email = form.email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN {
        // No account has such an address, and it could not be a counter's key.
        return login_page(
            &state,
            Some(t.wrong_credentials),
            actix_web::http::StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let ip = client_ip(&req).map(|a| a.to_string()).unwrap_or_default();
    let attempt = db::record_attempt(&state.pool, &email, &ip, MAX_FAILURES).await?;
    if !attempt.within_limit {
        forget_old_attempts(&state).await;
        tracing::warn!(ip, "admin sign-in rate limited");
        let mut page = login_page(
            &state,
            Some(t.too_many_attempts),
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        page.headers_mut().insert(
            RETRY_AFTER,
            HeaderValue::from(attempt.retry_after_secs.max(1)),
        );
        return Ok(page);
    }
    let found = db::credentials(&state.pool, &email).await?;
    let hash = found.as_ref().map(|(_, hash)| hash.clone());
    let verified = password_matches(&req, form.password.clone(), hash).await?;
    let Some((admin_id, _)) = found.filter(|_| verified) else {
        forget_old_attempts(&state).await;
        tracing::info!("admin sign-in refused");
        return login_page(
            &state,
            Some(t.wrong_credentials),
            actix_web::http::StatusCode::UNAUTHORIZED,
        )
        .await;
    };
    db::forgive_attempts(&state.pool, &email, &ip).await?;
    let token = random_token();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(SESSION_HOURS);
    db::start_session(
        &state.pool,
        admin_id,
        &hash_token(&token),
        &random_token(),
        expires,
    )
    .await?;
    tracing::info!(admin_id, "admin signed in");
    let cookie = Cookie::build(COOKIE, token)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.base_url.scheme() == "https")
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    Ok(HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((LOCATION, "/admin"))
        .finish())
}

/// Argon2 on the blocking pool, never on the async workers (a check takes tens of
/// milliseconds of a core), and one per core at a time (`Limits::password_check`). An unknown
/// email costs a hash of the same work, so timing tells no one which emails exist.
async fn password_matches(
    req: &HttpRequest,
    password: String,
    hash: Option<String>,
) -> Result<bool, AdminError> {
    let limits = req.app_data::<web::Data<Limits>>().cloned();
    let _turn = match &limits {
        Some(limits) => Some(limits.password_check().await),
        None => None,
    };
    web::block(move || match hash {
        Some(hash) => PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false),
        None => {
            let _ = Argon2::default()
                .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng));
            false
        }
    })
    .await
    .map_err(|e| AdminError::Unexpected(anyhow::anyhow!("the password check did not finish: {e}")))
}

/// Housekeeping: a failure here must not turn a sign-in answer into an error.
async fn forget_old_attempts(state: &AppState) {
    if let Err(e) = db::forget_old_attempts(&state.pool).await {
        tracing::warn!(error = %e, "could not drop old sign-in counters");
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf_token: String,
}

pub async fn logout(
    req: HttpRequest,
    admin: Admin,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AdminError> {
    admin.check_csrf(&form.csrf_token)?;
    if let Some(token) = req.cookie(COOKIE) {
        db::end_session(&state.pool, &hash_token(token.value())).await?;
    }
    let mut gone = Cookie::build(COOKIE, "").path("/admin").finish();
    gone.make_removal();
    Ok(HttpResponse::SeeOther()
        .cookie(gone)
        .insert_header((LOCATION, "/admin/login"))
        .finish())
}
