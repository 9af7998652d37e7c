use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::backoffice::{self, ProductInput, ProductRow};
use crate::domain::{ItemCategory, Lang, Money};
use crate::state::AppState;

use super::auth::Admin;
use super::{admin_texts, page, see, AdminError, AdminTexts};
use crate::i18n::FormProblem;

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    t: &'static AdminTexts,
    lang: &'static str,
    admin: Admin,
    sandbox: bool,
    test_credentials: bool,
    products: Vec<ProductLine>,
    currency: &'static str,
    categories: Vec<CategoryOption>,
}

/// A product in the list, with its category in the merchant's words.
struct ProductLine {
    p: ProductRow,
    category: &'static str,
}

/// One `<option>` of the category `<select>`.
struct CategoryOption {
    id: &'static str,
    label: &'static str,
    selected: bool,
}

fn category_options(lang: Lang, selected: Option<ItemCategory>) -> Vec<CategoryOption> {
    ItemCategory::all()
        .map(|c| CategoryOption {
            id: c.as_str(),
            label: admin_texts(lang).category(c),
            selected: Some(c) == selected,
        })
        .collect()
}

pub async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AdminError> {
    let lang = state.site.lang();
    let t = admin_texts(lang);
    let products = backoffice::products(&state.pool, state.site.currency())
        .await?
        .into_iter()
        .map(|p| ProductLine {
            category: p.category.map_or("—", |c| t.category(c)),
            p,
        })
        .collect();
    page(&ProductsPage {
        t,
        lang: lang.code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        products,
        currency: state.site.currency().code(),
        categories: category_options(lang, None),
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
    /// Mercado Pago's item category id; empty for none.
    #[serde(default)]
    category: String,
}

impl ProductForm {
    fn parse(&self, state: &AppState) -> Result<ProductInput, AdminError> {
        let lang = state.site.lang();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(AdminError::BadForm(
                lang,
                FormProblem::NameLength { max: 120 },
            ));
        }
        let price =
            Money::parse_decimal(&self.price.trim().replace(',', "."), state.site.currency())
                .ok()
                .filter(|m| m.minor() > 0)
                .ok_or_else(|| {
                    AdminError::BadForm(
                        lang,
                        FormProblem::Price {
                            currency: state.site.currency().code(),
                        },
                    )
                })?;
        let image_url = match self.image_url.trim() {
            "" => None,
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.to_string())
            }
            _ => return Err(AdminError::BadForm(lang, FormProblem::ImageUrl)),
        };
        let category = match self.category.trim() {
            "" => None,
            id => Some(ItemCategory::parse(id).map_err(|_| {
                AdminError::BadForm(
                    lang,
                    FormProblem::Category {
                        given: id.chars().take(40).collect(),
                    },
                )
            })?),
        };
        Ok(ProductInput {
            name: name.to_string(),
            description: self.description.trim().chars().take(2000).collect(),
            image_url,
            price,
            active: self.active.is_some(),
            category,
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
    categories: Vec<CategoryOption>,
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
        categories: category_options(state.site.lang(), p.category),
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
