//! `GET /pictures/{hash}`: a product picture, named by the hash of its bytes, so a URL never
//! changes meaning and browsers and proxies may keep it for a year.

use actix_web::http::header::{self, ETag, EntityTag, IfNoneMatch};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::pictures;
use crate::routes::page::PageError;
use crate::state::AppState;

pub const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

pub async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    hash: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let hash = hash.into_inner();
    if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(PageError::NotFound);
    }
    let tag = EntityTag::new_strong(hash.clone());
    // The name is the content: a browser that has the tag has the bytes.
    if let Ok(IfNoneMatch::Items(tags)) = <IfNoneMatch as header::Header>::parse(&req) {
        if tags.iter().any(|t| t.weak_eq(&tag)) {
            return Ok(HttpResponse::NotModified()
                .insert_header(ETag(tag))
                .insert_header((header::CACHE_CONTROL, CACHE_FOREVER))
                .finish());
        }
    }
    let file = pictures::file(&state.pool, &hash)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header(ETag(tag))
        .insert_header((header::CACHE_CONTROL, CACHE_FOREVER))
        .body(file.bytes))
}

/// The pictures of an order's lines, by product, from the catalog: a product that left the
/// catalog shows none.
#[derive(Default)]
pub struct LinePictures(std::collections::HashMap<i64, pictures::Picture>);

impl LinePictures {
    pub fn of(catalog: &[crate::db::products::Product]) -> Self {
        Self(
            catalog
                .iter()
                .filter_map(|p| Some((p.id, p.picture.clone()?)))
                .collect(),
        )
    }

    /// The picture of `product_id`, if it has one.
    pub fn get(&self, product_id: &i64) -> Option<&pictures::Picture> {
        self.0.get(product_id)
    }
}
