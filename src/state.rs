use std::time::Duration;

use secrecy::SecretString;
use sqlx::PgPool;
use url::Url;

use crate::domain::Site;
use crate::i18n::{texts, Texts};
use crate::mercadopago::MercadoPagoClient;

/// What every handler may use, built once at start.
pub struct AppState {
    pub pool: PgPool,
    pub catalog: crate::db::catalog::Catalog,
    pub mercadopago: MercadoPagoClient,
    pub site: Site,
    pub public_key: String,
    pub sdk_url: String,
    /// The store's public URL, for Mercado Pago's notification and back URLs.
    pub base_url: Url,
    pub sandbox: bool,
    /// Longer than any call to Mercado Pago can last: an attempt older than this was abandoned.
    pub stale_after: Duration,
    /// How long after an unanswered call, with no payment found, a new attempt is allowed.
    pub unknown_grace: Duration,
    pub webhook_secret: SecretString,
    /// How far a webhook's `ts` may be from now.
    pub webhook_tolerance: Duration,
    /// How long a Pix code stays payable.
    pub pix_expiration: Duration,
    /// Notified payments being re-read, so a burst of notifications costs one re-read.
    pub rereads: crate::reconcile::rereads::Rereads,
}

impl AppState {
    pub fn texts(&self) -> &'static Texts {
        texts(self.site.lang())
    }

    pub fn notification_url(&self) -> String {
        self.url("/webhooks/mercadopago")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }
}
