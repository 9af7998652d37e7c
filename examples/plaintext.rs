//! The baseline the benchmark compares the store with: the plainest actix-web handler, on
//! the same machine, in the same run (`bench/run`).

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(18081);
    HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async { HttpResponse::Ok().body("Hello, World!") }),
        )
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
