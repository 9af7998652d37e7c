//! `POST /admin/products/{id}/picture`: the merchant uploads a product's picture (a
//! multipart form). Signed in first, then the whole form is read within limits, then the CSRF
//! token, and only then is the file judged: by its content, never by its name or declared
//! type. A refused upload changes nothing.

use actix_multipart::{Field, Multipart};
use actix_web::{web, HttpResponse};
use futures_util::TryStreamExt;

use crate::db::pictures;
use crate::domain::picture::{self, PictureProblem};
use crate::domain::AltText;
use crate::i18n::FormProblem;
use crate::state::AppState;

use super::auth::Admin;
use super::{see, AdminError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/products/{id}/picture", web::post().to(upload));
}

/// The form's text fields (CSRF token, alt text) are short; more is not our form.
const MAX_TEXT_FIELD: usize = 8 * 1024;

#[derive(Default)]
struct PictureForm {
    csrf_token: String,
    alt: String,
    /// `None`: no file part, or an empty one (no file chosen). `Err`: over the limit.
    file: Option<Result<Vec<u8>, PictureProblem>>,
}

#[tracing::instrument(skip_all, fields(product_id = %path))]
pub async fn upload(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: Multipart,
) -> Result<HttpResponse, AdminError> {
    let product_id = path.into_inner();
    let max = state.picture_max_bytes;
    let bad = |problem| AdminError::BadForm(state.site.lang(), FormProblem::Picture(problem));
    let form = read_form(body, max).await.map_err(bad)?;
    admin.check_csrf(&form.csrf_token)?;
    let alt = AltText::parse(&form.alt).map_err(bad)?;
    let currency = state.site.currency();
    let saved = match form.file {
        Some(Err(problem)) => return Err(bad(problem)),
        Some(Ok(bytes)) => {
            let variants = web::block(move || picture::process(&bytes, max))
                .await
                .map_err(|e| AdminError::Unexpected(anyhow::anyhow!("resizing a picture: {e}")))?
                .map_err(bad)?;
            pictures::replace(&state.pool, currency, product_id, &alt, &variants).await?
        }
        // Only the alt text changes; a product with no picture yet needs a file.
        None => match pictures::of_product(&state.pool, product_id).await? {
            Some(_) => pictures::set_alt(&state.pool, currency, product_id, &alt).await?,
            None if backoffice_has(&state, product_id).await? => {
                return Err(bad(PictureProblem::NoFile))
            }
            None => false,
        },
    };
    if !saved {
        return Err(AdminError::NotFound);
    }
    tracing::info!(admin_id = admin.id, "product picture saved");
    state.catalog.invalidate();
    Ok(see(&format!("/admin/products/{product_id}")))
}

async fn backoffice_has(state: &AppState, product_id: i64) -> Result<bool, AdminError> {
    Ok(
        crate::db::backoffice::product(&state.pool, state.site.currency(), product_id)
            .await?
            .is_some(),
    )
}

/// Reads every part of the form. The file is kept up to `max` bytes; past that the rest is
/// read and dropped (so that the browser gets the answer rather than a reset connection), up
/// to a ceiling past which reading stops.
async fn read_form(mut body: Multipart, max: usize) -> Result<PictureForm, PictureProblem> {
    let ceiling = max.saturating_mul(4).saturating_add(1 << 20);
    let mut form = PictureForm::default();
    let mut total = 0usize;
    while let Some(mut field) = body
        .try_next()
        .await
        .map_err(|_| PictureProblem::Unreadable)?
    {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "picture" => {
                let mut bytes = Vec::new();
                let mut over = false;
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|_| PictureProblem::Unreadable)?
                {
                    total += chunk.len();
                    if total > ceiling {
                        return Err(PictureProblem::TooLarge { max_bytes: max });
                    }
                    if !over && bytes.len() + chunk.len() <= max {
                        bytes.extend_from_slice(&chunk);
                    } else {
                        over = true;
                        bytes = Vec::new();
                    }
                }
                form.file = match (over, bytes.is_empty()) {
                    (true, _) => Some(Err(PictureProblem::TooLarge { max_bytes: max })),
                    (false, true) => None,
                    (false, false) => Some(Ok(bytes)),
                };
            }
            "csrf_token" => form.csrf_token = text(&mut field, &mut total).await?,
            "alt" => form.alt = text(&mut field, &mut total).await?,
            _ => {
                while let Some(chunk) = field
                    .try_next()
                    .await
                    .map_err(|_| PictureProblem::Unreadable)?
                {
                    total += chunk.len();
                    if total > ceiling {
                        return Err(PictureProblem::TooLarge { max_bytes: max });
                    }
                }
            }
        }
    }
    Ok(form)
}

async fn text(field: &mut Field, total: &mut usize) -> Result<String, PictureProblem> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .try_next()
        .await
        .map_err(|_| PictureProblem::Unreadable)?
    {
        *total += chunk.len();
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD {
            return Err(PictureProblem::Unreadable);
        }
    }
    String::from_utf8(bytes).map_err(|_| PictureProblem::Unreadable)
}
