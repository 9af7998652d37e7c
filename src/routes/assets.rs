//! The few static files, compiled into the binary so it runs from any directory.

use actix_web::{web, HttpResponse};

const JS: &str = "application/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Name under `/static/`, content type, body.
const ASSETS: &[(&str, &str, &str)] = &[
    ("checkout.js", JS, include_str!("../../static/checkout.js")),
    ("result.js", JS, include_str!("../../static/result.js")),
    (
        "status-screen.js",
        JS,
        include_str!("../../static/status-screen.js"),
    ),
    ("style.css", CSS, include_str!("../../static/style.css")),
];

/// `GET /static/{name}`: one of [`ASSETS`], or 404.
pub async fn serve(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(known, _, _)| *known == name.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header(("Cache-Control", "public, max-age=300"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::ASSETS;

    #[test]
    fn each_asset_has_one_name_a_type_and_a_body() {
        for (i, (name, content_type, body)) in ASSETS.iter().enumerate() {
            assert!(!body.is_empty(), "{name}");
            assert!(content_type.ends_with("charset=utf-8"), "{name}");
            assert!(
                !ASSETS[i + 1..].iter().any(|(other, _, _)| other == name),
                "{name} twice"
            );
        }
    }
}
