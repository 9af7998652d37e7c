//! Product pictures: kept in PostgreSQL, so that every instance serves the same bytes, and
//! named by the hash of their bytes, so that a URL once served never changes meaning.

use std::collections::HashMap;

use sqlx::PgPool;

use crate::domain::picture::Variant;
use crate::domain::{AltText, Currency};

/// Where pictures are served: `/pictures/{hash}`.
pub const PATH: &str = "/pictures";

/// A product's picture as pages show it: the merchant's alt text and its widths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub alt: String,
    /// (width, hash), narrowest first; never empty.
    pub widths: Vec<(u32, String)>,
}

impl Picture {
    /// The path of the narrowest width at least `width` wide (the widest when none is).
    pub fn path(&self, width: u32) -> String {
        let (_, hash) = self
            .widths
            .iter()
            .find(|(w, _)| *w >= width)
            .or(self.widths.last())
            .expect("a picture has at least one width");
        format!("{PATH}/{hash}")
    }

    /// The `src` for browsers without `srcset`.
    pub fn src(&self) -> String {
        self.path(640)
    }

    /// `/pictures/… 320w, /pictures/… 640w, …` for the `srcset` attribute.
    pub fn srcset(&self) -> String {
        self.widths
            .iter()
            .map(|(w, hash)| format!("{PATH}/{hash} {w}w"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The absolute URL of the picture about `width` wide (see [`Picture::path`]), for
    /// e-mails, which have no page to resolve a path against.
    pub fn absolute_url(&self, base: &url::Url, width: u32) -> url::Url {
        base.join(&self.path(width))
            .expect("a picture path joins any base URL")
    }
}

/// The absolute URL of product `product_id`'s picture about `width` wide, with its alt text;
/// `None` when the product has no picture. For e-mails.
pub async fn picture_url<'e, E>(
    executor: E,
    base: &url::Url,
    product_id: i64,
    width: u32,
) -> Result<Option<(url::Url, String)>, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    Ok(of_product(executor, product_id)
        .await?
        .map(|p| (p.absolute_url(base, width), p.alt)))
}

/// A product's picture, if it has one.
pub async fn of_product<'e, E>(executor: E, product_id: i64) -> Result<Option<Picture>, sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let rows = sqlx::query!(
        r#"select p.alt, v.width, v.hash from product_pictures p
             join product_picture_variants v using (product_id)
           where p.product_id = $1 order by v.width"#,
        product_id
    )
    .fetch_all(executor)
    .await?;
    let alt = match rows.first() {
        Some(r) => r.alt.clone(),
        None => return Ok(None),
    };
    Ok(Some(Picture {
        alt,
        widths: rows.into_iter().map(|r| (r.width as u32, r.hash)).collect(),
    }))
}

/// The pictures of the products priced in `currency`, by product.
pub async fn of_catalog(
    pool: &PgPool,
    currency: Currency,
) -> Result<HashMap<i64, Picture>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select p.product_id, p.alt, v.width, v.hash from product_pictures p
             join product_picture_variants v using (product_id)
             join products pr on pr.id = p.product_id
           where pr.currency = $1 order by p.product_id, v.width"#,
        currency.code()
    )
    .fetch_all(pool)
    .await?;
    let mut out: HashMap<i64, Picture> = HashMap::new();
    for r in rows {
        out.entry(r.product_id)
            .or_insert_with(|| Picture {
                alt: r.alt,
                widths: Vec::new(),
            })
            .widths
            .push((r.width as u32, r.hash));
    }
    Ok(out)
}

/// Replaces product `product_id`'s picture (of the store's `currency`) with `variants`;
/// `false` when there is no such product.
pub async fn replace(
    pool: &PgPool,
    currency: Currency,
    product_id: i64,
    alt: &AltText,
    variants: &[Variant],
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let found = sqlx::query_scalar!(
        r#"insert into product_pictures (product_id, alt)
           select id, $3 from products where id = $1 and currency = $2
           on conflict (product_id) do update set alt = excluded.alt, updated_at = now()
           returning product_id"#,
        product_id,
        currency.code(),
        alt.as_str()
    )
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        "delete from product_picture_variants where product_id = $1",
        product_id
    )
    .execute(&mut *tx)
    .await?;
    for v in variants {
        sqlx::query!(
            r#"insert into product_picture_variants (product_id, width, height, content_type, hash, bytes)
               values ($1, $2, $3, $4, $5, $6)"#,
            product_id,
            v.width as i32,
            v.height as i32,
            v.content_type,
            v.hash,
            v.bytes
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Changes the alt text of a picture the product already has; `false` when it has none.
pub async fn set_alt(
    pool: &PgPool,
    currency: Currency,
    product_id: i64,
    alt: &AltText,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"update product_pictures set alt = $3, updated_at = now()
           where product_id = $1 and exists (select 1 from products where id = $1 and currency = $2)"#,
        product_id,
        currency.code(),
        alt.as_str()
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A served picture: its type and bytes.
pub struct PictureFile {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The picture whose bytes hash to `hash`.
pub async fn file(pool: &PgPool, hash: &str) -> Result<Option<PictureFile>, sqlx::Error> {
    sqlx::query_as!(
        PictureFile,
        "select content_type, bytes from product_picture_variants where hash = $1 limit 1",
        hash
    )
    .fetch_optional(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Picture {
        Picture {
            alt: "A mug".into(),
            widths: vec![(320, "a".repeat(64)), (640, "b".repeat(64))],
        }
    }

    #[test]
    fn srcset_lists_every_width() {
        let p = picture();
        assert_eq!(
            p.srcset(),
            format!(
                "/pictures/{} 320w, /pictures/{} 640w",
                "a".repeat(64),
                "b".repeat(64)
            )
        );
        assert_eq!(p.path(100), format!("/pictures/{}", "a".repeat(64)));
        assert_eq!(p.path(2000), format!("/pictures/{}", "b".repeat(64)));
    }

    #[test]
    fn absolute_url_for_emails() {
        let base = url::Url::parse("https://shop.example/").unwrap();
        assert_eq!(
            picture().absolute_url(&base, 600).as_str(),
            format!("https://shop.example/pictures/{}", "b".repeat(64))
        );
    }
}
