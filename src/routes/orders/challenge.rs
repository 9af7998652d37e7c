//! A 3-D Secure challenge on the result page, and the Status Screen Brick.
//!
//! A card payment answered `pending`/`pending_challenge` carries `three_ds_info`: the shopper's
//! browser posts its `creq` to `external_resource_url` inside a frame of at least 600×500 (or
//! hands both to the Status Screen Brick, which does the same). The issuer's page lives on
//! any bank's host, so the page's policy is widened for that one origin, on that one response.
//! While the shopper is at it, the page's poll asks Mercado Pago directly (bounded per order),
//! so a late or lost webhook does not keep them waiting.

use crate::db::orders::PaymentRecord;
use crate::domain::order_status::Source;
use crate::domain::payment_status::awaits_challenge;
use crate::domain::site::payment_types::{CREDIT_CARD, DEBIT_CARD, PREPAID_CARD};
use crate::domain::{OrderId, PaymentId};
use crate::mercadopago::ThreeDsInfo;
use crate::payments::apply::{apply, Claimant};
use crate::security::csp;
use crate::state::AppState;

/// The challenge a payment waits for.
pub struct Challenge {
    pub url: String,
    pub creq: String,
    /// The issuer's origin, to allow in the page's policy.
    pub origin: String,
}

impl Challenge {
    /// Only a payment still waiting for its challenge, with a URL a policy can name.
    pub fn of(payment: &PaymentRecord) -> Option<Self> {
        if !waits_for_challenge(payment) {
            return None;
        }
        let info: ThreeDsInfo =
            serde_json::from_value(payment.raw["three_ds_info"].clone()).ok()?;
        let origin = csp::challenge_origin(&info.external_resource_url)?;
        Some(Self {
            url: info.external_resource_url,
            creq: info.creq,
            origin,
        })
    }
}

pub fn waits_for_challenge(payment: &PaymentRecord) -> bool {
    awaits_challenge(&payment.status, &payment.status_detail)
}

/// What the Status Screen Brick needs; shown for card payments where the merchant asked for it.
pub struct StatusScreen {
    pub payment_id: PaymentId,
    pub public_key: String,
    pub sdk_url: String,
    pub locale: &'static str,
}

impl StatusScreen {
    pub fn of(state: &AppState, payment: &PaymentRecord) -> Option<Self> {
        let card = matches!(
            payment.payment_type_id.as_deref(),
            Some(CREDIT_CARD | DEBIT_CARD | PREPAID_CARD)
        );
        (state.status_screen && card).then(|| Self {
            payment_id: payment.id,
            public_key: state.public_key.clone(),
            sdk_url: state.sdk_url.clone(),
            locale: state.site.profile().locale,
        })
    }
}

/// Re-reads a payment waiting for its challenge and applies what Mercado Pago says now. At most
/// a few times a minute per order, however often the page polls; failures wait for the next poll.
pub async fn follow(state: &AppState, order_id: OrderId, payment_id: PaymentId) -> bool {
    let Some(_permit) = state.hints.admit(&format!("challenge:{order_id}")) else {
        return false;
    };
    let payment = match state.mercadopago.get_payment(payment_id).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, %payment_id, "could not re-read a payment waiting for 3-D Secure");
            return false;
        }
    };
    if payment.awaits_challenge() {
        return false;
    }
    match apply(
        &state.lender,
        &state.metrics,
        &payment,
        Source::Checkout,
        Claimant::News,
        state.refund_with(),
    )
    .await
    {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, %payment_id, "could not record a finished 3-D Secure challenge");
            false
        }
    }
}
