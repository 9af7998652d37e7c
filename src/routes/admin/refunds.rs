//! Refunds and cancellations from the back office. The amount is checked against what
//! remains refundable before Mercado Pago is asked; the form's key makes a double click
//! refund once; the order follows by re-reading the payment, like any other news.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::db::backoffice;
use crate::domain::order_status::Source;
use crate::domain::{Money, OrderId, PaymentId, PaymentStatus};
use crate::payments::apply::{apply, Claimant};
use crate::state::AppState;

use super::auth::{Admin, CsrfForm};
use super::orders::render_detail;
use super::{admin_texts, see, AdminError};
use crate::i18n::FormProblem;

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

pub async fn refund(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<RefundForm>,
) -> Result<HttpResponse, AdminError> {
    admin.check_csrf(&form.csrf_token)?;
    let id = OrderId::parse(&path).ok_or(AdminError::NotFound)?;
    let t = admin_texts(state.site.lang());
    let key = uuid::Uuid::parse_str(form.refund_key.trim())
        .map_err(|_| AdminError::BadForm(state.site.lang(), FormProblem::RefundKey))?;
    let payments = backoffice::payments(&state.pool, id.0).await?;
    let Some(payment) = payments
        .iter()
        .rev()
        .filter(|p| form.payment_id.is_none_or(|id| id == p.id))
        .find(|p| p.status == PaymentStatus::Approved)
    else {
        return render_detail(&state, admin, id, None, Some(t.refund_too_much)).await;
    };
    let remaining = payment
        .amount
        .checked_sub(payment.refunded)
        .unwrap_or(Money::zero(payment.amount.currency()));
    let amount = match form.amount.trim() {
        "" => remaining,
        text => match Money::parse_decimal(&text.replace(',', "."), remaining.currency()) {
            Ok(m) => m,
            Err(_) => return render_detail(&state, admin, id, None, Some(t.refund_too_much)).await,
        },
    };
    if amount.minor() == 0 || amount.minor() > remaining.minor() {
        return render_detail(&state, admin, id, None, Some(t.refund_too_much)).await;
    }
    let Some(refund_id) = backoffice::claim_refund(
        &state.pool,
        &key.to_string(),
        payment.id,
        id.0,
        amount,
        admin.id,
    )
    .await?
    else {
        // The same form again: it was already asked for.
        return Ok(see(&format!("/admin/orders/{id}?notice=refunded")));
    };
    // Everything that remains goes as `{}`, Mercado Pago's full refund.
    let send =
        (amount != remaining || payment.refunded.minor() > 0).then(|| amount.to_json_number());
    tracing::info!(payment_id = %payment.id, amount = %amount.to_decimal_string(), admin_id = admin.id, "refund asked");
    match state
        .mercadopago
        .refund(payment.id, send, &key.to_string())
        .await
    {
        Ok(done) => {
            backoffice::finish_refund(&state.pool, refund_id, done["id"].as_i64(), None).await?;
            refresh(&state, payment.id).await;
            Ok(see(&format!("/admin/orders/{id}?notice=refunded")))
        }
        Err(e) => {
            tracing::warn!(error = %e, "refund refused");
            backoffice::finish_refund(&state.pool, refund_id, None, Some(&e.to_string())).await?;
            render_detail(&state, admin, id, None, Some(t.refund_failed)).await
        }
    }
}

pub async fn cancel(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AdminError> {
    admin.check_csrf(&form.csrf_token)?;
    let id = OrderId::parse(&path).ok_or(AdminError::NotFound)?;
    let payments = backoffice::payments(&state.pool, id.0).await?;
    let Some(payment) = payments.iter().rev().find(|p| p.status.is_cancellable()) else {
        return Err(AdminError::BadForm(
            state.site.lang(),
            FormProblem::NoPendingPayment,
        ));
    };
    match state.mercadopago.cancel_payment(payment.id).await {
        Ok(cancelled) => {
            apply(
                &state.pool,
                &state.metrics,
                &cancelled,
                Source::Admin,
                Claimant::News,
                None,
            )
            .await?;
            Ok(see(&format!("/admin/orders/{id}?notice=cancelled")))
        }
        Err(e) => {
            tracing::warn!(error = %e, "cancel refused");
            render_detail(
                &state,
                admin,
                id,
                None,
                Some(admin_texts(state.site.lang()).refund_failed),
            )
            .await
        }
    }
}

/// The order follows the payment as Mercado Pago now reports it.
async fn refresh(state: &AppState, payment_id: PaymentId) {
    match state.mercadopago.get_payment(payment_id).await {
        Ok(payment) => {
            if let Err(e) = apply(
                &state.pool,
                &state.metrics,
                &payment,
                Source::Admin,
                Claimant::News,
                None,
            )
            .await
            {
                tracing::warn!(error = %e, "could not record the refunded payment yet");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not re-read the refunded payment; the webhook will bring it")
        }
    }
}
