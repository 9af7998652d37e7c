//! What a shopper needs to finish paying offline: Pix's QR and code, a voucher's link and
//! reference, and until when. Read from Mercado Pago's answer as stored.

use time::OffsetDateTime;

use crate::db::orders::PaymentRecord;
use crate::domain::PaymentStatus;

pub struct Pix {
    pub qr_base64: String,
    pub code: String,
}

pub struct Voucher {
    pub url: String,
    pub reference: String,
    pub barcode: String,
}

pub struct Instructions {
    pub pix: Option<Pix>,
    pub voucher: Option<Voucher>,
    /// RFC 3339, for the page's countdown.
    pub expires_iso: String,
    /// As a shopper reads it, in the payment's own offset.
    pub expires_text: String,
}

impl Instructions {
    /// Only for payments still waiting for the shopper.
    pub fn of(payment: &PaymentRecord, site: crate::domain::Site) -> Option<Self> {
        if payment.status != PaymentStatus::Pending {
            return None;
        }
        let raw = &payment.raw;
        let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(String::from);
        let data = &raw["point_of_interaction"]["transaction_data"];
        let pix = match (text(&data["qr_code_base64"]), text(&data["qr_code"])) {
            (Some(qr_base64), Some(code)) => Some(Pix { qr_base64, code }),
            _ => None,
        };
        let details = &raw["transaction_details"];
        let voucher = text(&details["external_resource_url"])
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .map(|url| Voucher {
                url,
                reference: text(&details["payment_method_reference_id"]).unwrap_or_default(),
                barcode: text(&raw["barcode"]["content"]).unwrap_or_default(),
            });
        if pix.is_none() && voucher.is_none() {
            return None;
        }
        let expires = text(&raw["date_of_expiration"]).and_then(|t| {
            OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
        });
        Some(Self {
            pix,
            voucher,
            expires_iso: expires
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default(),
            expires_text: expires
                .map(|t| crate::i18n::LocalTime::of(site).day_first(&t))
                .unwrap_or_default(),
        })
    }
}
