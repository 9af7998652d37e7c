use std::time::Duration;

use secrecy::SecretString;
use sqlx::PgPool;
use url::Url;

use crate::domain::Site;
use crate::domain::Timings;
use crate::i18n::{texts, Texts};
use crate::mercadopago::MercadoPagoClient;

/// What every handler may use, built once at start.
pub struct AppState {
    pub pool: PgPool,
    /// The same pool, lent without sqlx's round trip on release (`db::lending`).
    pub lender: crate::db::lending::Lender,
    pub catalog: crate::db::catalog::Catalog,
    pub mercadopago: MercadoPagoClient,
    pub site: Site,
    pub public_key: String,
    pub sdk_url: String,
    /// The store's public URL, for Mercado Pago's notification and back URLs.
    pub base_url: Url,
    pub sandbox: bool,
    /// Every timeout, grace period and budget of the payment path, derived in one place.
    pub timings: Timings,
    pub webhook_secret: SecretString,
    /// How long a wallet preference stays payable.
    pub preference_expiration: Duration,
    pub refund_duplicates: bool,
    /// Bounds what unsigned notification hints and wallet returns can make us ask Mercado Pago.
    pub hints: crate::reconcile::hints::Hints,
    /// How many payments are under way at once (`routes::payments::door`).
    pub payment_door: crate::payments::door::PaymentDoor,
    /// Charging orders (`/process_payment`), on its own handle.
    pub checkout: std::sync::Arc<crate::payments::charge::Checkout>,
    /// Background payment sync (the worker, the webhook's re-reads), on its own handle.
    pub reconciler: std::sync::Arc<crate::reconcile::Reconciler>,
    /// Live mode on test credentials: every page says so.
    pub test_credentials: bool,
    /// How many Content-Security-Policy violation reports are logged per minute.
    pub csp_reports: crate::security::csp::ReportBudget,
    /// An order older than this is re-priced against the catalog before it is paid.
    pub order_freshness: Duration,
    /// The largest product picture the back office accepts, in bytes.
    pub picture_max_bytes: usize,
    /// How long opening the checkout holds the order's units (`STOCK_RESERVATION_MINUTES`).
    pub stock_reservation: Duration,
    /// Set when the store is stopping: no new payment starts, `/readyz` answers 503.
    pub draining: std::sync::atomic::AtomicBool,
    /// This application's counters, shared with its Mercado Pago client.
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// The result page embeds the Status Screen Brick for card payments.
    pub status_screen: bool,
    /// The Content-Security-Policy header's name and text, for a page that must widen it (a
    /// 3-D Secure challenge frames the issuer's page).
    pub csp: (&'static str, String),
    /// The site's document types: Mercado Pago's list once read, the built-in table until then.
    pub id_types: std::sync::Arc<crate::payments::id_types::CurrentIdTypes>,
    /// Signs and checks the order links sent by e-mail.
    pub order_links: std::sync::Arc<crate::mail::OrderLinks>,
    /// Mails are sent over SMTP (else kept in the outbox for the back office).
    pub mail_sends: bool,
}

impl AppState {
    /// Whether the store is stopping: no new payment starts.
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn texts(&self) -> &'static Texts {
        texts(self.site.lang())
    }

    /// Only a public https store can be notified; otherwise the webhook URL configured in
    /// Mercado Pago's panel (or the emulator's) serves, and the worker's polling.
    pub fn notification_url(&self) -> Option<String> {
        notification_url(&self.base_url)
    }

    /// The client to refund a duplicate payment with, when the merchant asked for that.
    pub fn refund_with(&self) -> Option<&MercadoPagoClient> {
        self.refund_duplicates.then_some(&self.mercadopago)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }
}

/// `source_news=webhooks`: only the signed kind, not the legacy unsigned IPN as well.
pub fn notification_url(base: &Url) -> Option<String> {
    let public = base.scheme() == "https"
        && !matches!(base.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    public.then(|| {
        format!(
            "{}/webhooks/mercadopago?source_news=webhooks",
            base.as_str().trim_end_matches('/')
        )
    })
}

#[cfg(test)]
mod tests {
    use super::notification_url;
    use url::Url;

    #[test]
    fn only_a_public_https_store_asks_to_be_notified() {
        let url = |s: &str| notification_url(&Url::parse(s).unwrap());
        assert_eq!(
            url("https://shop.example.com/").as_deref(),
            Some("https://shop.example.com/webhooks/mercadopago?source_news=webhooks")
        );
        assert_eq!(url("http://shop.example.com"), None);
        assert_eq!(url("https://localhost:8443"), None);
        assert_eq!(url("https://127.0.0.1"), None);
    }
}
