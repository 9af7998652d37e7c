//! Response headers and error pages that every route gets.

pub mod csp;

pub use csp::brick_hosts;

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::domain::Lang;
use crate::i18n::{error_explanation, texts, Texts};

/// What every error page shows besides its message: the site's language, and the sandbox or
/// test-credentials banner. Registered as app data of its own, so that error pages need no
/// knowledge of the application's state.
#[derive(Debug, Clone, Copy)]
pub struct ErrorChrome {
    pub lang: Lang,
    pub sandbox: bool,
    pub test_credentials: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    t: &'static Texts,
    sandbox: bool,
    test_credentials: bool,
    title: &'static str,
    body: &'static str,
}

/// The localized error page of the site, with its banners, as HTML.
pub fn error_page_html(chrome: &ErrorChrome, title: &'static str, body: &'static str) -> String {
    let page = ErrorPage {
        lang: chrome.lang.code(),
        t: texts(chrome.lang),
        sandbox: chrome.sandbox,
        test_credentials: chrome.test_credentials,
        title,
        body,
    };
    page.render().unwrap_or_else(|_| title.to_string())
}

/// Turns bare error statuses (plain text or empty) into a localized page; JSON answers and
/// pages that explain their own error pass untouched.
pub fn error_pages<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let explains_itself = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| !v.as_bytes().starts_with(b"text/plain"));
    let Some(chrome) = res.request().app_data::<web::Data<ErrorChrome>>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    if explains_itself || res.status().is_redirection() {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let t = texts(chrome.lang);
    let status = res.status();
    let (title, body) = if status.as_u16() == 404 {
        (t.not_found_title, t.not_found_body)
    } else {
        (
            t.error_title,
            error_explanation(chrome.lang, status.as_u16()),
        )
    };
    let html = error_page_html(&chrome, title, body);
    let (req, res) = res.into_parts();
    let mut response = HttpResponse::build(res.status()).body(html);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let res = ServiceResponse::new(req, response.map_into_boxed_body()).map_into_right_body::<B>();
    Ok(ErrorHandlerResponse::Response(res))
}
