//! Refunds and cancellations from the back office. The amount is checked against what
//! remains refundable before Mercado Pago is asked; the form's key makes a double click
//! refund once; the order follows by re-reading the payment, like any other news.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::db::backoffice::{self, PaymentRow};
use crate::domain::order_status::Source;
use crate::domain::{Money, PaymentId};
use crate::mercadopago::Payment;
use crate::payments::apply::{apply, Claimant};
use crate::state::AppState;

use super::auth::{AdminForm, CsrfForm, CsrfProtected};
use super::orders::{back_to_order, refused, Notice};
use super::{order_id, AdminError};
use crate::i18n::FormProblem;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders/{id}/refund", web::post().to(refund))
        .route("/orders/{id}/cancel", web::post().to(cancel));
}

#[derive(Deserialize)]
pub struct RefundForm {
    csrf_token: String,
    refund_key: String,
    #[serde(default)]
    amount: String,
    /// A particular payment (a flagged duplicate); otherwise the order's latest approved one.
    #[serde(default)]
    payment_id: Option<PaymentId>,
}

impl CsrfProtected for RefundForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl RefundForm {
    /// The payment and the amount asked for: a positive amount (all that remains when left
    /// empty) no larger than what remains of the payment. `None` when there is no such refund.
    fn asked<'p>(&self, payments: &'p [PaymentRow]) -> Option<(&'p PaymentRow, Money)> {
        let payment = backoffice::latest_approved(payments, self.payment_id)?;
        let remaining = payment.remaining();
        let amount = match self.amount.trim() {
            "" => remaining,
            text => Money::parse_decimal(&text.replace(',', "."), remaining.currency()).ok()?,
        };
        (amount.minor() > 0 && amount.minor() <= remaining.minor()).then_some((payment, amount))
    }
}

pub async fn refund(
    AdminForm { admin, form }: AdminForm<RefundForm>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = order_id(&path)?;
    let key = uuid::Uuid::parse_str(form.refund_key.trim())
        .map_err(|_| AdminError::BadForm(state.site.lang(), FormProblem::RefundKey))?
        .to_string();
    let payments = backoffice::payments(&state.pool, id.0).await?;
    let Some((payment, amount)) = form.asked(&payments) else {
        return refused(&state, admin, id, |t| t.refund_too_much).await;
    };
    let claimed =
        backoffice::claim_refund(&state.pool, &key, payment.id, id.0, amount, admin.id).await?;
    let Some(refund_id) = claimed else {
        // The same form again: it was already asked for.
        return Ok(back_to_order(id, Notice::Refunded));
    };
    // Everything that remains goes as `{}`, Mercado Pago's full refund.
    let send = (amount != payment.remaining() || payment.refunded.minor() > 0)
        .then(|| amount.to_json_number());
    tracing::info!(payment_id = %payment.id, amount = %amount.to_decimal_string(), admin_id = admin.id, "refund asked");
    match state.mercadopago.refund(payment.id, send, &key).await {
        Ok(done) => {
            backoffice::finish_refund(&state.pool, refund_id, done["id"].as_i64(), None).await?;
            refresh(&state, payment.id).await;
            Ok(back_to_order(id, Notice::Refunded))
        }
        Err(e) => {
            tracing::warn!(error = %e, "refund refused");
            backoffice::finish_refund(&state.pool, refund_id, None, Some(&e.to_string())).await?;
            refused(&state, admin, id, |t| t.refund_failed).await
        }
    }
}

pub async fn cancel(
    AdminForm { admin, .. }: AdminForm<CsrfForm>,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = order_id(&path)?;
    let payments = backoffice::payments(&state.pool, id.0).await?;
    let Some(payment) = backoffice::latest_cancellable(&payments) else {
        return Err(AdminError::BadForm(
            state.site.lang(),
            FormProblem::NoPendingPayment,
        ));
    };
    match state.mercadopago.cancel_payment(payment.id).await {
        Ok(cancelled) => {
            record(&state, &cancelled).await?;
            Ok(back_to_order(id, Notice::Cancelled))
        }
        Err(e) => {
            tracing::warn!(error = %e, "cancel refused");
            refused(&state, admin, id, |t| t.refund_failed).await
        }
    }
}

/// The payment as Mercado Pago now reports it, applied like any other news: its order follows.
async fn record(state: &AppState, payment: &Payment) -> Result<(), sqlx::Error> {
    apply(
        &state.lender,
        &state.metrics,
        payment,
        Source::Admin,
        Claimant::News,
        None,
    )
    .await?;
    Ok(())
}

/// After a refund: the order follows the payment once it is re-read.
async fn refresh(state: &AppState, payment_id: PaymentId) {
    match state.mercadopago.get_payment(payment_id).await {
        Ok(payment) => {
            if let Err(e) = record(state, &payment).await {
                tracing::warn!(error = %e, "could not record the refunded payment yet");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not re-read the refunded payment; the webhook will bring it")
        }
    }
}
