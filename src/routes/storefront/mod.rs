use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::products::{self, Product};
use crate::session::TypedSession;
use crate::state::AppState;

use super::page::{render, PageContext, PageError};

#[derive(Template)]
#[template(path = "storefront.html")]
struct StorefrontPage {
    ctx: PageContext,
    products: Vec<Product>,
}

pub async fn storefront(
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, PageError> {
    let products = products::active(&state.pool, state.site.currency()).await?;
    render(&StorefrontPage {
        ctx: PageContext::new(&state, &session)?,
        products,
    })
}
