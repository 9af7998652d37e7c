//! The few static files, compiled into the binary so it runs from any directory.

use actix_web::HttpResponse;

const CHECKOUT_JS: &str = include_str!("../../static/checkout.js");
const STYLE_CSS: &str = include_str!("../../static/style.css");
const RESULT_JS: &str = include_str!("../../static/result.js");
const STATUS_SCREEN_JS: &str = include_str!("../../static/status-screen.js");

pub async fn checkout_js() -> HttpResponse {
    asset("application/javascript; charset=utf-8", CHECKOUT_JS)
}

pub async fn result_js() -> HttpResponse {
    asset("application/javascript; charset=utf-8", RESULT_JS)
}

pub async fn status_screen_js() -> HttpResponse {
    asset("application/javascript; charset=utf-8", STATUS_SCREEN_JS)
}

pub async fn style_css() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(body)
}
