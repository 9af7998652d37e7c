use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::backoffice::{self, ProductInput, ProductRow};
use crate::domain::Money;
use crate::state::AppState;

use super::auth::Admin;
use super::{admin_texts, page, see, AdminError, AdminTexts};

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    t: &'static AdminTexts,
    lang: &'static str,
    admin: Admin,
    sandbox: bool,
    test_credentials: bool,
    products: Vec<ProductRow>,
    currency: &'static str,
}

pub async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AdminError> {
    page(&ProductsPage {
        t: admin_texts(state.site.lang()),
        lang: state.site.lang().code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        products: backoffice::products(&state.pool, state.site.currency()).await?,
        currency: state.site.currency().code(),
        admin,
    })
}

#[derive(Deserialize)]
pub struct ProductForm {
    csrf_token: String,
    name: String,
    #[serde(default)]
    description: String,
    price: String,
    #[serde(default)]
    image_url: String,
    #[serde(default)]
    active: Option<String>,
}

impl ProductForm {
    fn parse(&self, state: &AppState) -> Result<ProductInput, AdminError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(AdminError::BadForm(
                "the name must have 1 to 120 characters".into(),
            ));
        }
        let price =
            Money::parse_decimal(&self.price.trim().replace(',', "."), state.site.currency())
                .ok()
                .filter(|m| m.minor() > 0)
                .ok_or_else(|| {
                    AdminError::BadForm(format!(
                        "the price must be a positive {} amount",
                        state.site.currency()
                    ))
                })?;
        let image_url = match self.image_url.trim() {
            "" => None,
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.to_string())
            }
            _ => {
                return Err(AdminError::BadForm(
                    "the image URL must start with https://".into(),
                ))
            }
        };
        Ok(ProductInput {
            name: name.to_string(),
            description: self.description.trim().chars().take(2000).collect(),
            image_url,
            price,
            active: self.active.is_some(),
        })
    }
}

pub async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    form: web::Form<ProductForm>,
) -> Result<HttpResponse, AdminError> {
    admin.check_csrf(&form.csrf_token)?;
    let input = form.parse(&state)?;
    backoffice::create_product(&state.pool, &input).await?;
    state.catalog.invalidate();
    Ok(see("/admin/products"))
}

#[derive(Template)]
#[template(path = "admin/product.html")]
struct ProductPage {
    t: &'static AdminTexts,
    lang: &'static str,
    admin: Admin,
    sandbox: bool,
    test_credentials: bool,
    p: ProductRow,
    price: String,
}

pub async fn edit(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let id = path.into_inner();
    let p = backoffice::products(&state.pool, state.site.currency())
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AdminError::NotFound)?;
    page(&ProductPage {
        t: admin_texts(state.site.lang()),
        lang: state.site.lang().code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        price: p.price.to_decimal_string(),
        p,
        admin,
    })
}

pub async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<ProductForm>,
) -> Result<HttpResponse, AdminError> {
    admin.check_csrf(&form.csrf_token)?;
    let input = form.parse(&state)?;
    if !backoffice::update_product(&state.pool, path.into_inner(), &input).await? {
        return Err(AdminError::NotFound);
    }
    state.catalog.invalidate();
    Ok(see("/admin/products"))
}
