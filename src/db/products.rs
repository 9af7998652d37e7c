use crate::domain::{Currency, Money};

use super::money;
use super::pictures::{self, Picture};

#[derive(Debug, Clone)]
pub struct Product {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub image_url: Option<String>,
    pub price: Money,
    /// The merchant's picture, if the product has one.
    pub picture: Option<Picture>,
}

/// The products a shopper can buy on a site: active, in the site's currency.
#[tracing::instrument(skip(pool))]
pub async fn active(pool: &sqlx::PgPool, currency: Currency) -> Result<Vec<Product>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select id, slug, name, description, image_url, price_minor, currency
           from products where active and currency = $1 order by id"#,
        currency.code()
    )
    .fetch_all(pool)
    .await?;
    let mut pictures = pictures::of_catalog(pool, currency).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Product {
                id: r.id,
                slug: r.slug,
                name: r.name,
                description: r.description,
                image_url: r.image_url,
                price: money(r.price_minor, &r.currency)?,
                picture: pictures.remove(&r.id),
            })
        })
        .collect()
}
