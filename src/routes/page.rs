//! What every shopper page shares: language, texts, sandbox banner, cart count, CSRF token;
//! and the error type of the page handlers.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::i18n::Texts;
use crate::session::{SessionError, TypedSession};
use crate::state::AppState;

pub struct PageContext {
    pub lang: &'static str,
    pub t: &'static Texts,
    pub sandbox: bool,
    pub test_credentials: bool,
    pub cart_count: u32,
    pub csrf: String,
}

impl PageContext {
    pub fn new(state: &AppState, session: &TypedSession) -> Result<Self, PageError> {
        Ok(Self {
            lang: state.site.lang().code(),
            t: state.texts(),
            sandbox: state.sandbox,
            test_credentials: state.test_credentials,
            cart_count: session.cart()?.item_count(),
            csrf: session.csrf_token()?,
        })
    }
}

pub fn render(page: &impl Template) -> Result<HttpResponse, PageError> {
    let html = page
        .render()
        .map_err(|e| PageError::Unexpected(anyhow::Error::new(e).context("rendering a page")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(html))
}

/// Errors of the HTML pages. The response is a bare status; `error_pages` turns it into a
/// localized page, since only it can see the request and so the site's language.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound,
    #[error("bad form: {0}")]
    BadForm(String),
    #[error("the form's CSRF token did not match the session")]
    Csrf,
    /// A signed order link that does not open its order: 403 when it was not made by this
    /// store for this order, 410 when it expired. Carries its own localized page.
    #[error("order link refused: {problem}")]
    LinkRefused {
        problem: crate::mail::LinkProblem,
        html: String,
    },
    #[error("database unavailable")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadForm(_) => StatusCode::BAD_REQUEST,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::LinkRefused { problem, .. } => match problem {
                crate::mail::LinkProblem::Tampered => StatusCode::FORBIDDEN,
                crate::mail::LinkProblem::Expired => StatusCode::GONE,
            },
            PageError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Session(_) => StatusCode::BAD_REQUEST,
            PageError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error.cause_chain = ?anyhow_chain(self), "page failed");
        } else {
            tracing::info!(error = %self, "page refused");
        }
        if let PageError::LinkRefused { html, .. } = self {
            return HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("Cache-Control", "no-store"))
                .body(html.clone());
        }
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(status.canonical_reason().unwrap_or("error"))
    }
}

/// The error and its sources, one per line, for the log.
pub fn anyhow_chain(e: &dyn std::error::Error) -> String {
    crate::telemetry::cause_chain(e, "\n  caused by: ")
}
