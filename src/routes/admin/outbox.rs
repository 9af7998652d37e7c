//! The Outbox: every e-mail the store queued, where it stands, and each one as it reads. With
//! no `SMTP_URL` (sandbox mode) this is where the mails are: kept, not sent.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::outbox::{self, Mail};
use crate::state::AppState;

use super::auth::Admin;
use super::{page, AdminContext, AdminError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/outbox", web::get().to(list))
        .route("/outbox/{id}", web::get().to(view))
        .route("/outbox/{id}/html", web::get().to(html));
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    ctx: AdminContext,
    lang: crate::domain::Lang,
    mails: Vec<Mail>,
    sends: bool,
}

impl OutboxPage {
    fn state(&self, state: &str) -> &'static str {
        self.ctx.mail.state_name(self.lang, state)
    }
}

pub async fn list(admin: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AdminError> {
    page(&OutboxPage {
        ctx: AdminContext::new(&state, admin),
        lang: state.site.lang(),
        mails: outbox::recent(&state.pool, 200).await?,
        sends: state.mail_sends,
    })
}

#[derive(Template)]
#[template(path = "admin/outbox_mail.html")]
struct MailPage {
    ctx: AdminContext,
    lang: crate::domain::Lang,
    mail: Mail,
}

impl MailPage {
    fn state(&self, state: &str) -> &'static str {
        self.ctx.mail.state_name(self.lang, state)
    }
}

async fn find(state: &AppState, path: &str) -> Result<Mail, AdminError> {
    let id: i64 = path.parse().map_err(|_| AdminError::NotFound)?;
    outbox::find(&state.pool, id)
        .await?
        .ok_or(AdminError::NotFound)
}

pub async fn view(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let mail = find(&state, &path).await?;
    page(&MailPage {
        ctx: AdminContext::new(&state, admin),
        lang: state.site.lang(),
        mail,
    })
}

/// The HTML version as the recipient's mail program shows it, sandboxed: no script, no
/// request leaves the page.
pub async fn html(
    _admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let mail = find(&state, &path).await?;
    let body = mail.body_html.ok_or(AdminError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "sandbox; default-src 'none'; style-src 'unsafe-inline'",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
