use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::domain::payment_status::awaits_challenge;
// The payer's address and document go to Mercado Pago as the checkout parsed them.
pub use crate::domain::payment_submission::{Address, Identification, Payer};
use crate::domain::{PaymentId, PaymentStatus, StatusDetail};

/// Body of `POST /v1/payments` for a card. Amounts are exact JSON numbers.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CreatePayment {
    pub transaction_amount: serde_json::Number,
    pub token: Option<String>,
    pub description: String,
    pub installments: Option<u8>,
    pub payment_method_id: String,
    pub issuer_id: Option<String>,
    pub payer: Payer,
    pub external_reference: String,
    /// Only for a public https store: Mercado Pago cannot deliver anywhere else, and the panel's
    /// webhook URL serves otherwise.
    pub notification_url: Option<String>,
    pub metadata: serde_json::Value,
    pub additional_info: AdditionalInfo,
    /// Pix and vouchers: when the payment stops being payable.
    pub date_of_expiration: Option<String>,
    /// Cards: `optional` lets the issuer challenge the shopper (3-D Secure).
    pub three_d_secure_mode: Option<&'static str>,
    /// What the shopper reads on the card bill (at most 22 characters).
    pub statement_descriptor: Option<String>,
    /// Only approved or rejected, never pending; sent only when the merchant set it.
    pub binary_mode: Option<bool>,
}

/// Body of `POST /checkout/preferences`, for the wallet and credits options.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CreatePreference {
    pub items: Vec<PreferenceItem>,
    pub external_reference: String,
    pub notification_url: Option<String>,
    pub back_urls: BackUrls,
    pub auto_return: &'static str,
    pub purpose: &'static str,
    pub metadata: serde_json::Value,
    /// A preference left open would stay payable after the order was paid another way.
    pub expires: bool,
    pub expiration_date_to: String,
}

#[derive(Debug, Serialize)]
pub struct PreferenceItem {
    pub id: String,
    pub title: String,
    pub quantity: i32,
    pub currency_id: String,
    pub unit_price: serde_json::Number,
}

#[derive(Debug, Serialize)]
pub struct BackUrls {
    pub success: String,
    pub failure: String,
    pub pending: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Preference {
    pub id: String,
}

#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct AdditionalInfo {
    pub items: Vec<Item>,
    /// The shopper's address as the store sees it (fraud scoring; required for PSE).
    pub ip_address: Option<String>,
    pub payer: Option<AdditionalPayer>,
    /// Where physical goods go (fraud scoring reads it too).
    pub shipments: Option<Shipments>,
}

/// `additional_info.shipments`.
#[derive(Debug, Serialize)]
pub struct Shipments {
    pub receiver_address: ReceiverAddress,
}

/// `additional_info.shipments.receiver_address`: `{zip_code, street_name, street_number,
/// floor, apartment, city_name, state_name}` (FACTS.md §2.2).
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct ReceiverAddress {
    pub zip_code: Option<String>,
    pub street_name: String,
    pub street_number: String,
    pub floor: Option<String>,
    pub apartment: Option<String>,
    pub city_name: String,
    pub state_name: String,
}

/// `additional_info.payer`: who is buying, beyond the card's holder (fraud scoring).
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct AdditionalPayer {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// One of Mercado Pago's item categories (`electronics`, `fashion`...).
    pub category_id: Option<String>,
    pub quantity: i32,
    pub unit_price: serde_json::Number,
}

/// The fields of a payment the checkout acts on; `raw` keeps the whole answer for the record.
#[derive(Debug, Clone, Deserialize)]
pub struct Payment {
    pub id: PaymentId,
    pub status: PaymentStatus,
    #[serde(default)]
    pub status_detail: StatusDetail,
    #[serde(default)]
    pub transaction_amount: Option<serde_json::Number>,
    #[serde(default)]
    pub transaction_amount_refunded: Option<serde_json::Number>,
    #[serde(default)]
    pub currency_id: Option<String>,
    #[serde(default)]
    pub payment_method_id: Option<String>,
    #[serde(default)]
    pub payment_type_id: Option<String>,
    #[serde(default)]
    pub external_reference: Option<String>,
    /// When a pending payment (Pix, ticket) stops being payable (ISO-8601 text).
    #[serde(default)]
    pub date_of_expiration: Option<String>,
    #[serde(default)]
    pub metadata: serde_json::Value,
    /// A 3-D Secure challenge waiting for the shopper (`pending_challenge`).
    #[serde(default)]
    pub three_ds_info: Option<ThreeDsInfo>,
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// Where the shopper's browser posts `creq` to meet the issuer's challenge.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ThreeDsInfo {
    pub external_resource_url: String,
    pub creq: String,
}

impl Payment {
    pub fn from_value(raw: serde_json::Value) -> Result<Self, serde_json::Error> {
        // Read from a borrow: a clone of the tree would double what thousands of payments
        // in flight hold at once.
        let mut payment = Payment::deserialize(&raw)?;
        payment.raw = raw;
        Ok(payment)
    }

    /// `date_of_expiration` read leniently: an unreadable date is no date.
    pub fn expires_at(&self) -> Option<time::OffsetDateTime> {
        let raw = self.date_of_expiration.as_deref()?;
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()
    }

    /// When Mercado Pago made the payment (`date_created`), read leniently.
    pub fn created_at(&self) -> Option<time::OffsetDateTime> {
        let raw = self.raw.get("date_created")?.as_str()?;
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).ok()
    }

    /// `pending`/`pending_challenge`: the shopper has a 3-D Secure challenge to meet.
    pub fn awaits_challenge(&self) -> bool {
        awaits_challenge(&self.status, &self.status_detail)
    }

    /// The checkout attempt that made it (`metadata.attempt`), if one did.
    pub fn attempt(&self) -> Option<i32> {
        let value = self.metadata.get("attempt")?;
        value
            .as_i64()
            .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| i32::try_from(n).ok())
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SearchResult {
    pub results: Vec<serde_json::Value>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Paging {
    #[serde(default)]
    pub total: usize,
}

/// One entry of `GET /v1/identification_types`: a document type of the account's site. Every
/// field is optional in the official SDKs (sdk-nodejs `identificationType/list/types.ts`): a
/// missing one is empty or 0 here, and an entry without an id is dropped by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IdentificationType {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `number` (digits only) or `string`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub min_length: u32,
    #[serde(default)]
    pub max_length: u32,
}

/// `GET /users/me`: the account that owns the access token. Only what the doctor shows.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: i64,
    #[serde(default)]
    pub nickname: String,
    pub site_id: String,
    #[serde(default)]
    pub country_id: Option<String>,
}
