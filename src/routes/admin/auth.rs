//! Signing merchants in and out, and the extractor that guards every back-office route.
//!
//! The admin cookie (`checkout_admin`, HttpOnly, SameSite=Strict, path /admin) is separate
//! from the shopper's session and holds only a random token; the database keeps its hash and
//! the session's CSRF token. Sign-in attempts are counted per email and per client address
//! (the trusted-proxy rule of `limits::client_ip`) before the password is checked.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, CookieBuilder, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use askama::Template;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::db::admin as db;
use crate::limits::{client_ip, Limits};
use crate::session::constant_time_eq;
use crate::state::AppState;

use super::{admin_texts, page, see, AdminError, AdminTexts};

pub const COOKIE: &str = "checkout_admin";
const LOGIN_CSRF_COOKIE: &str = "checkout_admin_login";
/// Sign-in attempts allowed per 15 minutes, per email and per address. A successful one
/// does not count (`db::forgive_attempts`), so in effect these are failures.
pub const MAX_FAILURES: i32 = 5;
const SESSION_HOURS: i64 = 12;
/// The longest address SMTP can deliver to (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout));
}

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

/// A form a signed-in merchant posted, its CSRF token checked: what every state-changing
/// back-office route takes, so that none can forget the check. Signed out comes first (a trip
/// to the sign-in page), then a form that does not parse (400), then a token that does not
/// match (403).
pub struct AdminForm<T> {
    pub admin: Admin,
    pub form: T,
}

/// A back-office form: it carries the session's CSRF token.
pub trait CsrfProtected {
    fn csrf_token(&self) -> &str;
}

impl<T: CsrfProtected + DeserializeOwned + 'static> FromRequest for AdminForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admin = Admin::from_request(req, payload);
        let form = web::Form::<T>::from_request(req, payload);
        Box::pin(async move {
            let admin = admin.await?;
            let form = form.await?.into_inner();
            admin.check_csrf(form.csrf_token())?;
            Ok(AdminForm { admin, form })
        })
    }
}

/// A cookie of the back office: only for `/admin`, out of scripts' and other sites' reach.
fn admin_cookie<'c>(state: &AppState, name: &'c str, value: String) -> CookieBuilder<'c> {
    Cookie::build(name, value)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.base_url.scheme() == "https")
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
    login_page(&state, None, StatusCode::OK).await
}

/// The sign-in page, with a fresh double-submit token in its form and in a cookie.
async fn login_page(
    state: &AppState,
    error: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, AdminError> {
    let csrf = random_token();
    let mut response = with_cookie(
        page(&LoginPage {
            t: admin_texts(state.site.lang()),
            lang: state.site.lang().code(),
            csrf: csrf.clone(),
            error,
            sandbox_hint: state.sandbox && !db::any_admin(&state.pool).await?,
        })?,
        &admin_cookie(state, LOGIN_CSRF_COOKIE, csrf).finish(),
    )?;
    *response.status_mut() = status;
    Ok(response)
}

/// No session: the same answer for an unknown email and a wrong password.
async fn wrong_credentials(state: &AppState) -> Result<HttpResponse, AdminError> {
    let t = admin_texts(state.site.lang());
    login_page(state, Some(t.wrong_credentials), StatusCode::UNAUTHORIZED).await
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
    let email = form.email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN {
        // No account has such an address, and it could not be a counter's key.
        return wrong_credentials(&state).await;
    }
    let ip = client_ip(&req).map(|a| a.to_string()).unwrap_or_default();
    let attempt = db::record_attempt(&state.pool, &email, &ip, MAX_FAILURES).await?;
    if !attempt.within_limit {
        forget_old_attempts(&state).await;
        tracing::warn!(ip, "admin sign-in rate limited");
        let t = admin_texts(state.site.lang());
        let mut page = login_page(
            &state,
            Some(t.too_many_attempts),
            StatusCode::TOO_MANY_REQUESTS,
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
        return wrong_credentials(&state).await;
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
    let cookie = admin_cookie(&state, COOKIE, token)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    with_cookie(see("/admin"), &cookie)
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

/// A form with nothing but its CSRF token: a button.
#[derive(Deserialize)]
pub struct CsrfForm {
    pub csrf_token: String,
}

impl CsrfProtected for CsrfForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn logout(
    _: AdminForm<CsrfForm>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    if let Some(token) = req.cookie(COOKIE) {
        db::end_session(&state.pool, &hash_token(token.value())).await?;
    }
    let mut gone = Cookie::build(COOKIE, "").path("/admin").finish();
    gone.make_removal();
    with_cookie(see("/admin/login"), &gone)
}

fn with_cookie(mut response: HttpResponse, cookie: &Cookie) -> Result<HttpResponse, AdminError> {
    response
        .add_cookie(cookie)
        .map_err(|e| AdminError::Unexpected(e.into()))?;
    Ok(response)
}
