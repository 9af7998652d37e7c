//! The `POST /v1/payments` body for a shopper's request: the order's own amount, items and
//! reference, the payer as the Brick sent it, and what each method needs besides.

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::db::attempts::Ticket;
use crate::domain::payment_submission::{Identification as Id, OfflineKind};
use crate::domain::{Money, PaymentRequest};
use crate::mercadopago::{
    AdditionalInfo, Address, CreatePayment, Identification, Item, PaymentPayer,
};
use crate::state::AppState;

pub struct Line {
    pub product_id: i64,
    pub name: String,
    pub quantity: i32,
    pub unit_price_minor: i64,
}

pub fn payment_body(
    state: &AppState,
    ticket: &Ticket,
    request: &PaymentRequest,
    lines: &[Line],
    client_ip: Option<IpAddr>,
) -> CreatePayment {
    let currency = ticket.total.currency();
    let items = lines
        .iter()
        .map(|l| Item {
            id: l.product_id.to_string(),
            title: l.name.clone(),
            description: None,
            category_id: None,
            quantity: l.quantity,
            unit_price: Money::from_minor(l.unit_price_minor, currency)
                .map(Money::to_json_number)
                .unwrap_or_else(|_| 0.into()),
        })
        .collect();
    let identification = |i: &Option<Id>| {
        i.as_ref().map(|i| Identification {
            kind: i.kind.clone(),
            number: i.number.clone(),
        })
    };
    let mut metadata = serde_json::json!({ "order_id": ticket.order_id.to_string(), "attempt": ticket.attempt_no });
    let mut body = CreatePayment {
        // The order's own amount, never the browser's.
        transaction_amount: ticket.total.to_json_number(),
        token: None,
        description: format!(
            "{} #{}",
            state.texts().store_name,
            &ticket.order_id.to_string()[..8]
        ),
        installments: None,
        payment_method_id: request.payment_method_id().to_string(),
        issuer_id: None,
        payer: PaymentPayer {
            email: request.payer_email().as_str().to_string(),
            first_name: None,
            last_name: None,
            identification: None,
            address: None,
        },
        external_reference: ticket.order_id.to_string(),
        notification_url: state.notification_url(),
        metadata: serde_json::Value::Null,
        additional_info: AdditionalInfo {
            items,
            ip_address: client_ip.map(|ip| ip.to_string()),
            payer: None,
        },
        date_of_expiration: None,
        three_d_secure_mode: None,
        statement_descriptor: state
            .approval
            .statement_descriptor
            .as_ref()
            .map(|d| d.as_str().to_string()),
        binary_mode: state.approval.binary_mode,
    };
    match request {
        PaymentRequest::Card(card) => {
            body.token = Some(card.token.expose().to_string());
            body.installments = Some(card.installments.get());
            body.issuer_id = card.issuer_id.clone();
            body.payer.identification = identification(&card.payer.identification);
            body.three_d_secure_mode = state.approval.three_ds.field();
        }
        PaymentRequest::Offline(offline) => {
            let payer = &offline.payer;
            body.payer.first_name = payer.first_name.clone();
            body.payer.last_name = payer.last_name.clone();
            body.payer.identification = identification(&payer.identification);
            body.payer.address = payer.address.as_ref().map(|a| Address {
                zip_code: a.zip_code.clone(),
                street_name: a.street_name.clone(),
                street_number: a.street_number.clone(),
                neighborhood: a.neighborhood.clone(),
                city: a.city.clone(),
                federal_unit: a.federal_unit.clone(),
            });
            if offline.kind == OfflineKind::BankTransfer {
                // Pix is paid in minutes; an order should not stay reserved for Mercado Pago's 24 h.
                body.date_of_expiration = Some(crate::mercadopago::time::iso(
                    OffsetDateTime::now_utc() + state.pix_expiration,
                ));
            }
            if let Some(point) = &offline.payment_point {
                metadata["payment_point"] = point.clone().into();
            }
        }
    }
    body.metadata = metadata;
    body
}
