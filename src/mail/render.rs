//! Renders an outbox row into an e-mail (subject, text, HTML) in the site's language, from
//! the order and its payment as stored. Templates: `templates/mail/order.{txt,html}`.

use askama::Template;
use time::OffsetDateTime;

use crate::db::orders::{Order, PaymentRecord};
use crate::db::outbox::{kind, Mail, Rendering};
use crate::domain::{Lang, Site};
use crate::i18n::mail::{mail_texts, MailTexts};

pub struct Line {
    pub quantity: i32,
    pub name: String,
    pub line_total: String,
    /// The product's picture (absolute URL, alt text), when it has one.
    pub picture: Option<(String, String)>,
}

/// How to finish paying offline (Pix, tickets), from Mercado Pago's answer.
pub struct HowToPay {
    pub pix_code: Option<String>,
    pub voucher_url: Option<String>,
    pub reference: String,
    pub barcode: String,
    pub expires: String,
}

impl HowToPay {
    pub fn of(payment: &PaymentRecord, site: Site) -> Option<Self> {
        let raw = &payment.raw;
        let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(String::from);
        let pix_code = text(&raw["point_of_interaction"]["transaction_data"]["qr_code"]);
        let details = &raw["transaction_details"];
        let voucher_url = text(&details["external_resource_url"])
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        if pix_code.is_none() && voucher_url.is_none() {
            return None;
        }
        let expires = text(&raw["date_of_expiration"])
            .and_then(|t| {
                OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|t| crate::i18n::LocalTime::of(site).day_first(&t))
            .unwrap_or_default();
        Some(Self {
            pix_code,
            voucher_url,
            reference: text(&details["payment_method_reference_id"]).unwrap_or_default(),
            barcode: text(&raw["barcode"]["content"]).unwrap_or_default(),
            expires,
        })
    }
}

/// Everything both templates show.
struct Body<'a> {
    t: &'static MailTexts,
    lang: &'static str,
    subject: &'a str,
    intro: &'a str,
    number: i64,
    lines: Vec<Line>,
    total: String,
    method: Option<String>,
    payer: Option<String>,
    how: Option<HowToPay>,
    /// Shipped: the carrier and the tracking code the merchant gave, when given.
    carrier: Option<String>,
    tracking_code: Option<String>,
    link: String,
    link_label: &'static str,
    /// The link is the shopper's signed one (and says not to share it).
    shopper: bool,
}

#[derive(Template)]
#[template(path = "mail/order.txt")]
struct Text<'a> {
    b: &'a Body<'a>,
}

#[derive(Template)]
#[template(path = "mail/order.html")]
struct Html<'a> {
    b: &'a Body<'a>,
}

// The templates name the body's fields directly.
impl<'a> std::ops::Deref for Text<'a> {
    type Target = Body<'a>;
    fn deref(&self) -> &Body<'a> {
        self.b
    }
}
impl<'a> std::ops::Deref for Html<'a> {
    type Target = Body<'a>;
    fn deref(&self) -> &Body<'a> {
        self.b
    }
}

/// A rendered e-mail.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Rendered {
    /// As the outbox keeps it.
    pub fn rendering(&self) -> Rendering<'_> {
        Rendering {
            subject: &self.subject,
            text: &self.text,
            html: &self.html,
        }
    }
}

/// What a mail needs besides its row: the order, its payment, and the links.
pub struct Context<'a> {
    pub site: Site,
    pub order: &'a Order,
    pub payment: Option<&'a PaymentRecord>,
    /// Absolute URL of the shopper's signed order link.
    pub shopper_link: String,
    /// Absolute URL of the order in the back office.
    pub admin_link: String,
    /// Each order line's picture (absolute URL, alt text), in the order's line order.
    pub pictures: Vec<Option<(url::Url, String)>>,
    /// The order's delivery, for a fulfilment e-mail.
    pub delivery: Option<&'a crate::db::delivery::Delivery>,
}

pub fn render(mail: &Mail, cx: &Context<'_>) -> Result<Rendered, askama::Error> {
    let lang = cx.site.lang();
    let t = mail_texts(lang);
    let status = mail.event_status.as_deref().unwrap_or("");
    let subject = t.subject(lang, &mail.kind, status, cx.order.number);
    let merchant = mail.kind == kind::MERCHANT_PAID;
    let pending = mail.kind == kind::CONFIRMATION && status != "paid";
    let intro = match mail.kind.as_str() {
        kind::CONFIRMATION if pending => t.pending_intro,
        kind::CONFIRMATION => t.paid_intro,
        kind::MERCHANT_PAID => t.merchant_intro,
        kind::FULFILMENT if status == "delivered" => t.delivered_intro,
        kind::FULFILMENT => t.shipped_intro,
        _ => t.status_sentence(status),
    };
    let body = Body {
        t,
        lang: lang_code(lang),
        subject: &subject,
        intro,
        number: cx.order.number,
        lines: cx
            .order
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| Line {
                quantity: l.quantity,
                name: l.name.clone(),
                line_total: l.line_total.to_string(),
                picture: cx
                    .pictures
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|(url, alt)| (url.to_string(), alt)),
            })
            .collect(),
        total: cx.order.total.to_string(),
        method: cx.payment.map(|p| p.payment_method_id.clone()),
        payer: cx
            .payment
            .filter(|_| merchant)
            .and_then(|p| p.raw["payer"]["email"].as_str().map(String::from)),
        how: cx
            .payment
            .filter(|_| pending)
            .and_then(|p| HowToPay::of(p, cx.site)),
        carrier: cx
            .delivery
            .filter(|_| mail.kind == kind::FULFILMENT)
            .and_then(|d| d.carrier.clone()),
        tracking_code: cx
            .delivery
            .filter(|_| mail.kind == kind::FULFILMENT)
            .and_then(|d| d.tracking_code.clone()),
        link: if merchant {
            cx.admin_link.clone()
        } else {
            cx.shopper_link.clone()
        },
        link_label: if merchant {
            t.see_in_back_office
        } else {
            t.see_order
        },
        shopper: !merchant,
    };
    Ok(Rendered {
        text: Text { b: &body }.render()?,
        html: Html { b: &body }.render()?,
        subject,
    })
}

fn lang_code(lang: Lang) -> &'static str {
    lang.code()
}
