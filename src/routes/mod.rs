//! HTTP routes, one folder per area of the shopper's journey.

pub mod admin;
pub mod assets;
pub mod cart;
pub mod checkout;
pub mod csp;
pub mod health;
pub mod metrics;
pub mod orders;
pub mod page;
pub mod payments;
pub mod pictures;
pub mod storefront;
pub mod webhooks;

use actix_web::web;

/// Every route of the store.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(storefront::storefront))
        .route("/cart", web::get().to(cart::view))
        .route("/cart/add", web::post().to(cart::add))
        .route("/cart/update", web::post().to(cart::update))
        .route("/cart/remove", web::post().to(cart::remove))
        .route("/checkout", web::get().to(checkout::checkout))
        .route(
            "/process_payment",
            web::post().to(payments::process_payment),
        )
        .route("/orders/{id}", web::get().to(orders::result))
        .route("/orders/{id}/status", web::get().to(orders::status))
        .route(
            "/orders/{id}/return",
            web::get().to(orders::back_from_mercadopago),
        )
        .route("/webhooks/mercadopago", web::post().to(webhooks::receive))
        .service(
            web::resource(crate::security::csp::REPORT_PATH)
                .app_data(web::PayloadConfig::new(csp::MAX_BODY))
                .route(web::post().to(csp::report)),
        )
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::scrape))
        .route("/static/{name}", web::get().to(assets::serve))
        .route("/pictures/{hash}", web::get().to(pictures::serve))
        .configure(admin::configure);
}
