use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::db::backoffice::{self, ProductInput, ProductRow};
use crate::domain::{ItemCategory, Lang, Money};
use crate::state::AppState;

use super::auth::{Admin, AdminForm, CsrfProtected};
use super::{admin_texts, page, see, AdminContext, AdminError};
use crate::db::stock::{self, StockLevel};
use crate::i18n::ship::{stock_texts, ShipProblem, StockTexts};
use crate::i18n::FormProblem;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list))
        .route("/products", web::post().to(create))
        .route("/products/{id}", web::get().to(edit))
        .route("/products/{id}", web::post().to(update))
        .route("/products/{id}/stock", web::post().to(adjust_stock));
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    ctx: AdminContext,
    products: Vec<ProductLine>,
    currency: &'static str,
    categories: Vec<CategoryOption>,
    s: &'static StockTexts,
}

/// A product in the list, with its category in the merchant's words and its stock.
struct ProductLine {
    p: ProductRow,
    category: &'static str,
    stock: StockCells,
}

/// A product's stock as the back office shows it.
struct StockCells {
    /// Units left to sell, or "unlimited".
    on_hand: String,
    reserved: i64,
    sold: i64,
    /// Units a new order may take, or "unlimited".
    available: String,
    /// The stock form's value: empty for unlimited.
    input: String,
}

impl StockCells {
    fn of(level: StockLevel, s: &StockTexts) -> Self {
        let shown = |n: Option<i64>| n.map_or(s.unlimited.to_string(), |n| n.to_string());
        Self {
            on_hand: shown(level.on_hand),
            reserved: level.reserved,
            sold: level.sold,
            available: shown(level.available()),
            input: level.on_hand.map(|n| n.to_string()).unwrap_or_default(),
        }
    }
}

async fn level_of(state: &AppState, id: i64) -> Result<StockLevel, AdminError> {
    Ok(stock::levels(&state.pool)
        .await?
        .into_iter()
        .find(|(p, _)| *p == id)
        .map(|(_, l)| l)
        .unwrap_or_default())
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
    let s = stock_texts(state.site.lang());
    let levels = stock::levels(&state.pool).await?;
    let products = backoffice::products(&state.pool, state.site.currency())
        .await?
        .into_iter()
        .map(|p| ProductLine {
            category: p.category.map_or("—", |c| ctx.t.category(c)),
            stock: StockCells::of(
                levels
                    .iter()
                    .find(|(id, _)| *id == p.id)
                    .map(|(_, l)| *l)
                    .unwrap_or_default(),
                s,
            ),
            p,
        })
        .collect();
    page(&ProductsPage {
        ctx,
        products,
        currency: state.site.currency().code(),
        categories: category_options(state.site.lang(), None),
        s,
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
    s: &'static StockTexts,
    stock: StockCells,
    needs_delivery: bool,
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
    let s = stock_texts(state.site.lang());
    page(&ProductPage {
        ctx: AdminContext::new(&state, admin),
        price: p.price.to_decimal_string(),
        categories: category_options(state.site.lang(), p.category),
        picture: crate::db::pictures::of_product(&state.pool, p.id).await?,
        pt,
        formats: pt.formats(state.picture_max_bytes),
        s,
        stock: StockCells::of(level_of(&state, p.id).await?, s),
        needs_delivery: crate::db::delivery::product_needs_delivery(&state.pool, p.id)
            .await?
            .unwrap_or(false),
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

#[derive(Deserialize)]
pub struct StockForm {
    csrf_token: String,
    /// Units left to sell (reserved ones included); empty for unlimited.
    #[serde(default)]
    on_hand: String,
    /// Checked: a physical product, whose orders ask for a delivery.
    #[serde(default)]
    needs_delivery: Option<String>,
}

impl CsrfProtected for StockForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

const MAX_STOCK: i32 = 10_000_000;

/// The merchant counts the units left to sell (or makes the product unlimited).
pub async fn adjust_stock(
    AdminForm { form, .. }: AdminForm<StockForm>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let on_hand = match form.on_hand.trim() {
        "" => None,
        n => Some(
            n.parse::<i32>()
                .ok()
                // Counted with the units sold in an `integer`: a human-sized stock.
                .filter(|n| (0..=MAX_STOCK).contains(n))
                .ok_or_else(|| {
                    AdminError::BadForm(state.site.lang(), FormProblem::Ship(ShipProblem::Stock))
                })?,
        ),
    };
    let id = path.into_inner();
    if !stock::set_on_hand(&state.pool, id, on_hand).await? {
        return Err(AdminError::NotFound);
    }
    crate::db::delivery::set_needs_delivery(&state.pool, id, form.needs_delivery.is_some()).await?;
    tracing::info!(product_id = id, on_hand = ?on_hand, "stock adjusted");
    Ok(see(&format!("/admin/products/{id}")))
}

/// Back to the list; the storefront reads the catalog afresh.
fn catalog_changed(state: &AppState) -> HttpResponse {
    state.catalog.invalidate();
    see("/admin/products")
}
