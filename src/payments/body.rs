//! The `POST /v1/payments` body for a shopper's request: the order's own amount, items and
//! reference, the payer as the Brick sent it, and what each method needs besides.

use std::net::IpAddr;

use time::OffsetDateTime;

use super::approval::ApprovalSettings;
use crate::db::attempts::Ticket;
use crate::domain::payment_submission::OfflineKind;
use crate::domain::{ItemCategory, Money, PaymentRequest};
use crate::mercadopago::{
    AdditionalInfo, AdditionalPayer, CreatePayment, Item, ReceiverAddress, Shipments,
};

pub struct Line {
    pub product_id: i64,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
    /// The product's catalog description, as the merchant wrote it.
    pub description: Option<String>,
    /// The product's Mercado Pago item category, when the merchant chose one.
    pub category: Option<ItemCategory>,
}

/// Longest `items[].description` sent: Mercado Pago's fraud scoring reads a summary, and
/// a catalog text of 2000 characters would only make the body bigger.
const ITEM_DESCRIPTION_MAX: usize = 256;

/// The description sent for an item: trimmed, at most 256 characters (cut between
/// characters, never inside one), nothing when empty.
fn item_description(raw: Option<&str>) -> Option<String> {
    let text = raw?.trim();
    if text.is_empty() {
        return None;
    }
    Some(
        text.chars()
            .take(ITEM_DESCRIPTION_MAX)
            .collect::<String>()
            .trim_end()
            .to_string(),
    )
}

/// What the store says in every payment, whatever the shopper sent.
pub struct Terms<'a> {
    pub store_name: &'a str,
    pub notification_url: Option<&'a str>,
    pub approval: &'a ApprovalSettings,
    /// How long a Pix code stays payable.
    pub pix_expiration: std::time::Duration,
}

pub fn payment_body(
    terms: &Terms<'_>,
    ticket: &Ticket,
    request: &PaymentRequest,
    lines: &[Line],
    client_ip: Option<IpAddr>,
) -> CreatePayment {
    let currency = ticket.total.currency();
    let mut items: Vec<Item> = lines
        .iter()
        .map(|l| Item {
            id: l.product_id.to_string(),
            title: l.name.clone(),
            description: item_description(l.description.as_deref()),
            category_id: l.category.map(|c| c.as_str().to_string()),
            quantity: l.quantity,
            unit_price: Money::from_minor(l.unit_price_minor, currency)
                .map(Money::to_json_number)
                .unwrap_or_else(|_| 0.into()),
        })
        .collect();
    // Physical goods: the shipping price is in the amount, so it is an item too (the items
    // sum to the amount), and the address is the shipment's receiver.
    let shipments = ticket.delivery.as_ref().map(|d| {
        if d.shipping_minor > 0 {
            items.push(Item {
                id: "shipping".to_string(),
                title: d.shipping_name.clone(),
                description: None,
                category_id: None,
                quantity: 1,
                unit_price: Money::from_minor(d.shipping_minor, currency)
                    .map(Money::to_json_number)
                    .unwrap_or_else(|_| 0.into()),
            });
        }
        let a = &d.address;
        Shipments {
            receiver_address: ReceiverAddress {
                zip_code: Some(a.postal_code.clone()).filter(|z| !z.is_empty()),
                street_name: a.street.clone(),
                street_number: a.number.clone(),
                floor: a.floor.clone(),
                apartment: a.apartment.clone(),
                city_name: a.city.clone(),
                state_name: a.state.clone(),
            },
        }
    });
    let mut metadata = serde_json::json!({ "order_id": ticket.order_id.to_string(), "attempt": ticket.attempt_no });
    let mut body = CreatePayment {
        // The order's own amount, never the browser's.
        transaction_amount: ticket.total.to_json_number(),
        token: None,
        description: format!(
            "{} #{}",
            terms.store_name,
            &ticket.order_id.to_string()[..8]
        ),
        installments: None,
        payment_method_id: request.payment_method_id().to_string(),
        issuer_id: None,
        payer: request.payer().clone(),
        external_reference: ticket.order_id.to_string(),
        notification_url: terms.notification_url.map(String::from),
        metadata: serde_json::Value::Null,
        additional_info: AdditionalInfo {
            items,
            ip_address: client_ip.map(|ip| ip.to_string()),
            payer: None,
            shipments,
        },
        date_of_expiration: None,
        three_d_secure_mode: None,
        statement_descriptor: terms
            .approval
            .statement_descriptor
            .as_ref()
            .map(|d| d.as_str().to_string()),
        binary_mode: terms.approval.binary_mode,
    };
    match request {
        PaymentRequest::Card(card) => {
            body.token = Some(card.token.expose().to_string());
            body.installments = Some(card.installments.get());
            body.issuer_id = card.issuer_id.clone();
            body.three_d_secure_mode = terms.approval.three_ds.field();
        }
        PaymentRequest::Offline(offline) => {
            if offline.kind == OfflineKind::BankTransfer {
                // Pix is paid in minutes; an order should not stay reserved for Mercado Pago's 24 h.
                body.date_of_expiration = Some(crate::mercadopago::time::iso(
                    OffsetDateTime::now_utc() + terms.pix_expiration,
                ));
            }
            if let Some(point) = &offline.payment_point {
                metadata["payment_point"] = point.clone().into();
            }
        }
    }
    body.metadata = metadata;
    // The names the shopper gave, again where fraud scoring reads who is buying.
    if body.payer.first_name.is_some() || body.payer.last_name.is_some() {
        body.additional_info.payer = Some(AdditionalPayer {
            first_name: body.payer.first_name.clone(),
            last_name: body.payer.last_name.clone(),
        });
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_description_is_trimmed_cut_between_characters_and_never_empty() {
        assert_eq!(item_description(None), None);
        assert_eq!(item_description(Some("  \n ")), None);
        assert_eq!(
            item_description(Some("  Café torrado  ")).as_deref(),
            Some("Café torrado")
        );
        let long = "é".repeat(300);
        let cut = item_description(Some(&long)).unwrap();
        assert_eq!(cut.chars().count(), ITEM_DESCRIPTION_MAX);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
