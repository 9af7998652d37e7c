//! The merchant's back office under `/admin`: sign-in, dashboard, orders (search, CSV,
//! refunds, cancellations) and catalog. Every route but sign-in needs an `Admin`.

pub mod auth;
mod dashboard;
mod orders;
mod products;
mod refunds;

use actix_web::http::header::LOCATION;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};

pub use crate::i18n::{admin_texts, AdminTexts};

use crate::domain::Lang;
use crate::i18n::FormProblem;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("", web::get().to(dashboard::dashboard))
            .route("/login", web::get().to(auth::login_form))
            .route("/login", web::post().to(auth::login))
            .route("/logout", web::post().to(auth::logout))
            .route("/orders", web::get().to(orders::list))
            .route("/orders.csv", web::get().to(orders::csv))
            .route("/orders/{id}", web::get().to(orders::detail))
            .route("/orders/{id}/refund", web::post().to(refunds::refund))
            .route("/orders/{id}/cancel", web::post().to(refunds::cancel))
            .route(
                "/anomalies/{id}/resolve",
                web::post().to(dashboard::resolve_anomaly),
            )
            .route("/products", web::get().to(products::list))
            .route("/products", web::post().to(products::create))
            .route("/products/{id}", web::get().to(products::edit))
            .route("/products/{id}", web::post().to(products::update)),
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
        if let AdminError::SignedOut = self {
            return HttpResponse::SeeOther()
                .insert_header((LOCATION, "/admin/login"))
                .finish();
        }
        let status = self.status_code();
        if let AdminError::BadForm(lang, problem) = self {
            // The merchant can act on it: say what to change instead of a bare status.
            tracing::warn!(error = %self, "admin form refused");
            let t = admin_texts(*lang);
            let page = BadFormPage {
                lang: lang.code(),
                t,
                message: t.form_problem(problem),
            };
            if let Ok(html) = askama::Template::render(&page) {
                return HttpResponse::build(status)
                    .content_type("text/html; charset=utf-8")
                    .body(html);
            }
        }
        if status.is_server_error() {
            tracing::error!(error.cause_chain = %crate::routes::page::anyhow_chain(self), "admin page failed");
        } else {
            tracing::warn!(error = %self, "admin request refused");
        }
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(status.canonical_reason().unwrap_or("error"))
    }
}

/// Why a back-office form was not saved, in the words of `AdminError::BadForm`.
#[derive(askama::Template)]
#[template(path = "admin/bad_form.html")]
struct BadFormPage {
    lang: &'static str,
    t: &'static AdminTexts,
    message: String,
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
