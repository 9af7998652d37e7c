//! The merchant's back office under `/admin`: sign-in, dashboard, orders (search, CSV,
//! refunds, cancellations) and catalog. Every route but sign-in needs an `Admin`.

pub mod auth;
mod charts;
mod dashboard;
mod orders;
mod outbox;
mod pictures;
mod products;
mod refunds;
mod shipping;

use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};

pub use crate::i18n::{admin_texts, AdminTexts};

use crate::domain::{Lang, OrderId};
use crate::i18n::{FormProblem, LocalTime};
use crate::state::AppState;

use auth::Admin;

/// The back office under `/admin`; each area registers its own routes beside its handlers.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .configure(auth::routes)
            .configure(dashboard::routes)
            .configure(orders::routes)
            .configure(outbox::routes)
            .configure(refunds::routes)
            .configure(products::routes)
            .configure(pictures::routes)
            .configure(shipping::routes),
    );
}

/// Errors of the back office. Signed out means a trip to the sign-in page.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("not signed in")]
    SignedOut,
    #[error("the form's CSRF token did not match")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// A form the merchant can correct; the page says why in the site's language.
    #[error("bad form: {1:?}")]
    BadForm(Lang, FormProblem),
    #[error("database unavailable")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            AdminError::SignedOut => StatusCode::SEE_OTHER,
            AdminError::Csrf => StatusCode::FORBIDDEN,
            AdminError::NotFound => StatusCode::NOT_FOUND,
            AdminError::BadForm(..) => StatusCode::BAD_REQUEST,
            AdminError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            AdminError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            AdminError::SignedOut => see("/admin/login"),
            AdminError::BadForm(lang, problem) => {
                // The merchant can act on it: say what to change instead of a bare status.
                tracing::warn!(error = %self, "admin form refused");
                let t = admin_texts(*lang);
                let page = BadFormPage {
                    lang: lang.code(),
                    t,
                    message: t.form_problem(problem),
                };
                match askama::Template::render(&page) {
                    Ok(html) => HttpResponse::build(status)
                        .content_type("text/html; charset=utf-8")
                        .body(html),
                    Err(_) => bare(status),
                }
            }
            _ if status.is_server_error() => {
                tracing::error!(error.cause_chain = %crate::routes::page::anyhow_chain(self), "admin page failed");
                bare(status)
            }
            _ => {
                tracing::warn!(error = %self, "admin request refused");
                bare(status)
            }
        }
    }
}

/// A status with its reason as plain text: nothing more a merchant could act on.
fn bare(status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(status.canonical_reason().unwrap_or("error"))
}

/// Why a back-office form was not saved, in the words of `AdminError::BadForm`.
#[derive(askama::Template)]
#[template(path = "admin/bad_form.html")]
struct BadFormPage {
    lang: &'static str,
    t: &'static AdminTexts,
    message: String,
}

/// What the back office's layout shows on every page: the site's words and clock, the
/// banners, and the signed-in merchant (whose CSRF token the sign-out form carries). Each
/// page holds one as `ctx`, as the shopper's pages hold a `PageContext`.
pub struct AdminContext {
    pub t: &'static AdminTexts,
    /// The merchant's clock.
    pub local: LocalTime,
    pub lang: &'static str,
    pub sandbox: bool,
    pub test_credentials: bool,
    pub admin: Admin,
    /// The e-mail and Outbox words.
    pub mail: &'static crate::i18n::mail::MailTexts,
}

impl AdminContext {
    pub fn new(state: &AppState, admin: Admin) -> Self {
        Self {
            t: admin_texts(state.site.lang()),
            local: LocalTime::of(state.site),
            lang: state.site.lang().code(),
            sandbox: state.sandbox,
            test_credentials: state.test_credentials,
            admin,
            mail: crate::i18n::mail::mail_texts(state.site.lang()),
        }
    }
}

/// Renders a back-office page.
pub fn page(t: &impl askama::Template) -> Result<HttpResponse, AdminError> {
    let html = t.render().map_err(|e| AdminError::Unexpected(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}

pub fn see(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

/// The order in a route's path; an id that is not one is a page that does not exist.
pub fn order_id(path: &str) -> Result<OrderId, AdminError> {
    OrderId::parse(path).ok_or(AdminError::NotFound)
}
