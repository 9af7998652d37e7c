use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::products::Product;
use crate::session::TypedSession;
use crate::state::AppState;

use super::page::{render, PageContext, PageError};

#[derive(Template)]
#[template(path = "storefront.html")]
struct StorefrontPage {
    ctx: PageContext,
    products: std::sync::Arc<Vec<Product>>,
}

pub async fn storefront(
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, PageError> {
    let products = state.catalog.active(&state.pool).await?;
    render(&StorefrontPage {
        ctx: PageContext::new(&state, &session)?,
        products,
    })
}
