use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::backoffice::{self, ProductInput, ProductRow};
use crate::domain::{ItemCategory, Lang, Money};
use crate::state::AppState;

use super::auth::{Admin, AdminForm, CsrfProtected};
use super::{admin_texts, page, see, AdminContext, AdminError};
use crate::i18n::FormProblem;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list))
        .route("/products", web::post().to(create))
        .route("/products/{id}", web::get().to(edit))
        .route("/products/{id}", web::post().to(update));
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    ctx: AdminContext,
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
    let ctx = AdminContext::new(&state, admin);
    let products = backoffice::products(&state.pool, state.site.currency())
        .await?
        .into_iter()
        .map(|p| ProductLine {
            category: p.category.map_or("—", |c| ctx.t.category(c)),
            p,
        })
        .collect();
    page(&ProductsPage {
        ctx,
        products,
        currency: state.site.currency().code(),
        categories: category_options(state.site.lang(), None),
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

impl CsrfProtected for ProductForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl ProductForm {
    fn parse(&self, state: &AppState) -> Result<ProductInput, AdminError> {
        let bad = |problem| AdminError::BadForm(state.site.lang(), problem);
        let currency = state.site.currency();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(bad(FormProblem::NameLength { max: 120 }));
        }
        let price = Money::parse_decimal(&self.price.trim().replace(',', "."), currency)
            .ok()
            .filter(|m| m.minor() > 0)
            .ok_or_else(|| {
                bad(FormProblem::Price {
                    currency: currency.code(),
                })
            })?;
        let image_url = match self.image_url.trim() {
            "" => None,
            url if url.starts_with("https://") || url.starts_with("http://") => {
                Some(url.to_string())
            }
            _ => return Err(bad(FormProblem::ImageUrl)),
        };
        let category = match self.category.trim() {
            "" => None,
            id => Some(ItemCategory::parse(id).map_err(|_| {
                bad(FormProblem::Category {
                    given: id.chars().take(40).collect(),
                })
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
    AdminForm { form, .. }: AdminForm<ProductForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    backoffice::create_product(&state.pool, &form.parse(&state)?).await?;
    Ok(catalog_changed(&state))
}

#[derive(Template)]
#[template(path = "admin/product.html")]
struct ProductPage {
    ctx: AdminContext,
    p: ProductRow,
    price: String,
    categories: Vec<CategoryOption>,
    picture: Option<crate::db::pictures::Picture>,
    pt: &'static crate::i18n::pictures::PictureTexts,
    /// "JPEG, PNG or WebP, up to 5 MiB."
    formats: String,
}

pub async fn edit(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let p = backoffice::product(&state.pool, state.site.currency(), path.into_inner())
        .await?
        .ok_or(AdminError::NotFound)?;
    let pt = crate::i18n::pictures::picture_texts(state.site.lang());
    page(&ProductPage {
        ctx: AdminContext::new(&state, admin),
        price: p.price.to_decimal_string(),
        categories: category_options(state.site.lang(), p.category),
        picture: crate::db::pictures::of_product(&state.pool, p.id).await?,
        pt,
        formats: pt.formats(state.picture_max_bytes),
        p,
    })
}

pub async fn update(
    AdminForm { form, .. }: AdminForm<ProductForm>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    if !backoffice::update_product(&state.pool, path.into_inner(), &form.parse(&state)?).await? {
        return Err(AdminError::NotFound);
    }
    Ok(catalog_changed(&state))
}

/// Back to the list; the storefront reads the catalog afresh.
fn catalog_changed(state: &AppState) -> HttpResponse {
    state.catalog.invalidate();
    see("/admin/products")
}
