//! What became of a call to Mercado Pago that got no answer: the checkout, the result page and
//! the reconciliation worker all ask here.

use time::OffsetDateTime;

use crate::db::attempts::{self, UnknownAttempt};
use crate::db::lending::Lender;
use crate::domain::order_status::Source;
use crate::domain::{OrderId, Timings};
use crate::mercadopago::{MercadoPagoClient, MpError, Payment};
use crate::payments::apply::{apply, Claimant, RefundWith};

#[derive(Debug)]
pub enum Resolution {
    /// Mercado Pago has the attempt's payment; it is now recorded.
    Found(Box<Payment>),
    /// Not known yet (the call may still be landing, or Mercado Pago is busy): ask again later.
    NotYet,
    /// The attempt made nothing, and none of its calls can still land: the order is payable again.
    NothingMade,
    /// The order has no attempt whose outcome is unknown.
    NothingToResolve,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("asking Mercado Pago")]
    Provider(#[from] MpError),
    #[error("database")]
    Database(#[from] sqlx::Error),
}

/// Finds out what the order's unanswered attempt made. The attempt's own request is sent again
/// under its own idempotency key: Mercado Pago answers with the payment that key made, or
/// makes it now (the shopper asked for exactly that payment, once). Only when the request was
/// not kept (the process died mid-call) does a search stand in, and then only a payment whose
/// `metadata.attempt` names this attempt counts as its outcome.
#[tracing::instrument(skip(db, client, timings, refund))]
pub async fn resolve_unknown(
    db: &Lender,
    client: &MercadoPagoClient,
    order_id: OrderId,
    timings: &Timings,
    source: Source,
    refund: RefundWith<'_>,
) -> Result<Resolution, ResolveError> {
    let pool = db.pool();
    let Some(attempt) = attempts::unknown_attempt(pool, order_id).await? else {
        return Ok(Resolution::NothingToResolve);
    };
    let age = OffsetDateTime::now_utc() - attempt.started;
    let found = match &attempt.request {
        Some(body) => match client.resend_payment(body, &attempt.idempotency_key).await {
            Ok(paid) => Some(paid),
            // The key made nothing (a replay would have answered with its payment).
            Err(MpError::Refused { .. }) if age > timings.stale_after => None,
            Err(MpError::Refused { .. }) => return Ok(Resolution::NotYet),
            Err(e) => return Err(e.into()),
        },
        None => match search(db, client, order_id, &attempt, source, refund).await? {
            Some(paid) => Some(paid),
            None if age < timings.unknown_grace => return Ok(Resolution::NotYet),
            None => None,
        },
    };
    match found {
        Some(paid) => {
            let claimant = Claimant::Attempt {
                order_id,
                attempt_no: attempt.attempt_no,
            };
            apply(db, client.metrics(), &paid, source, claimant, refund).await?;
            tracing::info!(payment_id = %paid.id, status = %paid.status, attempt = attempt.attempt_no, "unknown outcome resolved");
            Ok(Resolution::Found(Box::new(paid)))
        }
        None => {
            attempts::record_failure(
                pool,
                order_id,
                attempt.attempt_no,
                "Mercado Pago made no payment for this attempt",
            )
            .await?;
            tracing::info!(
                attempt = attempt.attempt_no,
                "unknown outcome resolved: nothing was charged"
            );
            Ok(Resolution::NothingMade)
        }
    }
}

/// The search fallback: the attempt's payment if search shows it; every other payment of the
/// order it shows is applied as news (so a second one is flagged, never taken for this one).
async fn search(
    db: &Lender,
    client: &MercadoPagoClient,
    order_id: OrderId,
    attempt: &UnknownAttempt,
    source: Source,
    refund: RefundWith<'_>,
) -> Result<Option<Payment>, ResolveError> {
    let found = client.payments_for(&order_id.to_string()).await?;
    let mut mine = None;
    for payment in found {
        if payment.attempt() == Some(attempt.attempt_no) {
            mine = Some(payment);
        } else {
            apply(
                db,
                client.metrics(),
                &payment,
                source,
                Claimant::News,
                refund,
            )
            .await?;
        }
    }
    Ok(mine)
}
