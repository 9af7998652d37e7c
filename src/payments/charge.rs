//! Charging an order, at most once: the claim that allows one call to Mercado Pago per
//! attempt, the call with its retries under one idempotency key, and the record of what came
//! of it. Every way back is here too: a double submit replays the stored answer, a submit
//! while a call is under way waits for its outcome, and an unanswered call is resolved before
//! anything new is tried. The web handler only parses the request and renders the outcome.

use std::net::IpAddr;
use std::time::Duration;

use sqlx::PgPool;

use crate::db::attempts::{self, AttemptLimits, Claim, ClaimRules, Ticket};
use crate::db::lending::Lender;
use crate::db::orders::{self, PaymentRecord};
use crate::db::stock;
use crate::domain::order_status::Source;
use crate::domain::payment_status::awaits_challenge;
use crate::domain::timings::{CALLS_PER_ATTEMPT, MAX_PAUSE};
use crate::domain::{
    DeviceId, Money, OrderId, OrderStatus, PaymentId, PaymentRequest, PaymentStatus, ShopperId,
    Site, StatusDetail, Timings,
};
use crate::mercadopago::{CreatePayment, MercadoPagoClient, MpError, Payment};
use crate::payments::apply::{apply_answer, RefundWith};
use crate::payments::approval::ApprovalSettings;
use crate::payments::body::{payment_body, Line, Terms};
use crate::payments::freshness::prices_still_hold;
use crate::payments::resolve::{self, Resolution, ResolveError};

/// What charging needs, and nothing of the web; the web state holds one.
pub struct Checkout {
    pub pool: PgPool,
    /// The same pool, lent without sqlx's round trip on release (`db::lending`): the claim
    /// and the record of its outcome.
    pub lender: Lender,
    pub mercadopago: MercadoPagoClient,
    pub site: Site,
    /// Every timeout, grace period and budget of the payment path, derived in one place.
    pub timings: Timings,
    pub limits: AttemptLimits,
    /// An order older than this is re-priced against the catalog before it is paid.
    pub freshness: Duration,
    /// How long a lapsed order's units are held again when it is paid.
    pub stock_reservation: Duration,
    /// What card payments carry for approval (3-D Secure, statement descriptor, binary mode).
    pub approval: ApprovalSettings,
    /// How long a Pix code stays payable.
    pub pix_expiration: Duration,
    /// Only a public https store can be notified (`AppState::notification_url`).
    pub notification_url: Option<String>,
    /// The store's name, for the payment's description.
    pub store_name: &'static str,
    pub refund_duplicates: bool,
}

/// One submit of the shopper's, parsed: the order, who pays, how, and what the request tells
/// Mercado Pago's fraud scoring.
pub struct PayRequest<'a> {
    pub order_id: OrderId,
    pub shopper: ShopperId,
    pub payment: &'a PaymentRequest,
    pub client_ip: Option<IpAddr>,
    pub device: Option<&'a DeviceId>,
}

/// What Mercado Pago made of the order's payment, as far as the shopper is told.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub status: PaymentStatus,
    pub status_detail: StatusDetail,
}

impl Outcome {
    fn of_record(order_id: OrderId, record: &PaymentRecord) -> Self {
        Self {
            order_id,
            payment_id: record.id,
            status: record.status.clone(),
            status_detail: record.status_detail.clone(),
        }
    }

    fn of_payment(order_id: OrderId, paid: &Payment) -> Self {
        Self {
            order_id,
            payment_id: paid.id,
            status: paid.status.clone(),
            status_detail: paid.status_detail.clone(),
        }
    }

    /// A payment waiting for the shopper's 3-D Secure challenge: not taken yet.
    pub fn awaits_challenge(&self) -> bool {
        awaits_challenge(&self.status, &self.status_detail)
    }
}

/// Why no payment outcome can be given; each is something the shopper can act on.
#[derive(Debug, thiserror::Error)]
pub enum ChargeError {
    #[error("no order of this session to pay")]
    NoOrder,
    #[error("the amount does not match the order total {expected:?}")]
    AmountMismatch { expected: Money },
    #[error("the order takes no more payments")]
    OrderClosed,
    #[error("the order's prices are no longer the catalog's")]
    PricesChanged,
    #[error("sold out: {product}")]
    SoldOut { product: String },
    /// The order holds physical goods and no delivery was chosen: nothing was charged.
    #[error("the order needs a delivery address first")]
    DeliveryMissing,
    #[error("a payment for this order is already being processed")]
    InProgress,
    #[error("the order or the shopper has used up its payment attempts")]
    TooManyAttempts,
    #[error("Mercado Pago refused the payment data")]
    ProviderRefused(#[source] MpError),
    #[error("Mercado Pago could not be used; nothing was charged")]
    ProviderUnavailable(#[source] MpError),
    #[error("the outcome of the call to Mercado Pago is unknown")]
    OutcomeUnknown(#[source] MpError),
    #[error("the payment {payment_id} was made but could not be recorded")]
    NotRecorded {
        payment_id: PaymentId,
        #[source]
        source: sqlx::Error,
    },
    #[error("the database is unavailable")]
    Database(#[from] sqlx::Error),
}

impl Checkout {
    /// The client to refund a duplicate payment with, when the merchant asked for that.
    pub fn refund_with(&self) -> RefundWith<'_> {
        self.refund_duplicates.then_some(&self.mercadopago)
    }

    /// Pays `req.order_id` as the shopper asked, at most once whatever is submitted again.
    pub async fn pay(&self, req: &PayRequest<'_>) -> Result<Outcome, ChargeError> {
        let payment = req.payment;
        let claimed = payment.claimed_money(self.site);
        let claimed_text = payment.claimed_amount().to_string();
        let method = payment.payment_method_id().to_string();
        let claim = |db| {
            attempts::claim(
                db,
                req.order_id,
                req.shopper,
                &claimed,
                &claimed_text,
                &method,
                ClaimRules {
                    timings: self.timings,
                    limits: self.limits,
                    freshness: self.freshness,
                },
            )
        };
        let mut claimed_now = claim(&self.lender).await?;
        if let Claim::Stale = claimed_now {
            if !prices_still_hold(&self.pool, req.order_id, self.site.currency()).await? {
                return Err(ChargeError::PricesChanged);
            }
            claimed_now = claim(&self.lender).await?;
        }
        // Before any call: a shopper is never charged for units that are gone.
        let renew = || async {
            match stock::renew(&self.pool, req.order_id, self.stock_reservation).await? {
                Ok(()) => Ok(()),
                Err(sold_out) => Err(ChargeError::SoldOut {
                    product: sold_out.product,
                }),
            }
        };
        if let Claim::Lapsed = claimed_now {
            renew().await?;
            claimed_now = claim(&self.lender).await?;
        }
        let outcome = match claimed_now {
            Claim::Proceed(ticket) => charge(self, ticket, payment, req).await?,
            Claim::Replay(record) => Outcome::of_record(req.order_id, &record),
            Claim::InFlight => wait_for_outcome(self, req.order_id).await?,
            Claim::Unknown => {
                match resolve_unknown(self, req.order_id).await? {
                    Some(outcome) => outcome,
                    // Mercado Pago has no payment for it, long after the call: pay afresh.
                    None => match claim(&self.lender).await? {
                        Claim::Proceed(ticket) => charge(self, ticket, payment, req).await?,
                        // The failed attempt released the units: take them again, if there.
                        Claim::Lapsed => {
                            renew().await?;
                            match claim(&self.lender).await? {
                                Claim::Proceed(ticket) => {
                                    charge(self, ticket, payment, req).await?
                                }
                                _ => return Err(ChargeError::InProgress),
                            }
                        }
                        Claim::Replay(record) => Outcome::of_record(req.order_id, &record),
                        _ => return Err(ChargeError::InProgress),
                    },
                }
            }
            Claim::AmountMismatch { expected } => {
                return Err(ChargeError::AmountMismatch { expected })
            }
            Claim::Closed(_) => return Err(ChargeError::OrderClosed),
            Claim::TooManyAttempts => return Err(ChargeError::TooManyAttempts),
            Claim::DeliveryMissing => return Err(ChargeError::DeliveryMissing),
            Claim::Stale => return Err(ChargeError::PricesChanged),
            // Renewed a moment ago yet lapsed again: another submit is moving the order.
            Claim::Lapsed => return Err(ChargeError::InProgress),
            Claim::NotFound => return Err(ChargeError::NoOrder),
        };
        Ok(outcome)
    }
}

/// The one call to Mercado Pago this ticket allows, and the record of what came of it.
async fn charge(
    svc: &Checkout,
    ticket: Ticket,
    payment: &PaymentRequest,
    context: &PayRequest<'_>,
) -> Result<Outcome, ChargeError> {
    // The claim returned them: no read of its own.
    let lines: Vec<Line> = ticket
        .lines
        .iter()
        .cloned()
        .map(|l| Line {
            product_id: l.product_id,
            name: l.name,
            quantity: l.quantity,
            unit_price_minor: l.unit_price_minor,
            description: l.description,
            category: l
                .category_id
                .and_then(|c| crate::domain::ItemCategory::parse(&c).ok()),
        })
        .collect();
    let terms = Terms {
        store_name: svc.store_name,
        notification_url: svc.notification_url.as_deref(),
        approval: &svc.approval,
        pix_expiration: svc.pix_expiration,
    };
    let body = payment_body(&terms, &ticket, payment, &lines, context.client_ip);
    tracing::info!(attempt = ticket.attempt_no, method = %body.payment_method_id, amount = %ticket.total.to_decimal_string(), payer = %payment.payer_email().masked(), "calling Mercado Pago");
    let device = context.device.map(DeviceId::as_str);
    match create_with_retries(svc, &body, &ticket.idempotency_key, device).await {
        Ok(paid) => {
            record(svc, &ticket, &paid).await?;
            tracing::info!(payment_id = %paid.id, status = %paid.status, status_detail = %paid.status_detail, "Mercado Pago answered");
            Ok(Outcome::of_payment(ticket.order_id, &paid))
        }
        Err(e) if e.outcome_unknown() => {
            let error = e.to_string();
            // Kept so that the same request can be sent again under the same key to learn
            // what it made.
            let sent = serde_json::to_string(&body).ok();
            retry_db(|| {
                attempts::record_unknown(
                    &svc.pool,
                    ticket.order_id,
                    ticket.attempt_no,
                    &error,
                    sent.as_deref(),
                )
            })
            .await
            .ok();
            Err(ChargeError::OutcomeUnknown(e))
        }
        Err(e) => {
            let error = e.to_string();
            retry_db(|| {
                attempts::record_failure(&svc.pool, ticket.order_id, ticket.attempt_no, &error)
            })
            .await
            .ok();
            Err(match e {
                MpError::Refused { .. } => ChargeError::ProviderRefused(e),
                _ => ChargeError::ProviderUnavailable(e),
            })
        }
    }
}

/// Like Mercado Pago's own SDKs: a 5xx, 429, 409/423 (key in use), failed connection or
/// broken exchange is retried with the same idempotency key and body, so a retry can only
/// ever return the same payment; `Retry-After` is honoured up to `MAX_PAUSE`. A timeout is not
/// retried here: the shopper has already waited the whole of it. The error kept is the worst
/// seen: once any call may have made a payment, the outcome stays unknown whatever the
/// later calls answer (a 429 after a 500 does not mean that nothing was made).
async fn create_with_retries(
    svc: &Checkout,
    body: &CreatePayment,
    key: &str,
    device: Option<&str>,
) -> Result<Payment, MpError> {
    let mut worst: Option<MpError> = None;
    let mut pause = Duration::from_millis(200);
    for call in 1..=CALLS_PER_ATTEMPT {
        let error = match svc.mercadopago.create_payment(body, key, device).await {
            Ok(paid) => return Ok(paid),
            Err(e) => e,
        };
        let retry = error.retryable() && call < CALLS_PER_ATTEMPT;
        let wait = match &error {
            MpError::RateLimited {
                retry_after: Some(s),
            } => Duration::from_secs(*s).min(MAX_PAUSE),
            // The pooled connection was dead before the request left: at once.
            MpError::Transport(_) => Duration::ZERO,
            _ => pause.min(MAX_PAUSE),
        };
        if retry {
            tracing::warn!(error = %error, call, "Mercado Pago call failed; retrying with the same idempotency key");
        }
        worst = Some(match worst {
            Some(w) if w.outcome_unknown() && !error.outcome_unknown() => w,
            _ => error,
        });
        if !retry {
            break;
        }
        tokio::time::sleep(wait).await;
        pause *= 3;
    }
    Err(worst.expect("at least one call was made"))
}

/// Records a payment; if the database keeps failing, says so without losing the payment id.
async fn record(svc: &Checkout, ticket: &Ticket, paid: &Payment) -> Result<(), ChargeError> {
    let mut last = None;
    let mut delay = Duration::from_millis(100);
    for _ in 0..4 {
        match apply_answer(
            &svc.lender,
            svc.mercadopago.metrics(),
            paid,
            ticket.order_id,
            ticket.attempt_no,
            ticket.total,
            svc.refund_with(),
        )
        .await
        {
            Ok(_) => return Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "database write failed; retrying");
                last = Some(e);
            }
        }
        tokio::time::sleep(delay).await;
        delay *= 4;
    }
    tracing::error!(
        payment_id = %paid.id,
        "payment made but not recorded; reconciliation must pick it up"
    );
    Err(ChargeError::NotRecorded {
        payment_id: paid.id,
        source: last.expect("a failed write"),
    })
}

/// A payment outcome is too precious to lose to a blip: a few quick retries.
async fn retry_db<F, Fut>(mut op: F) -> Result<(), sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), sqlx::Error>>,
{
    let mut delay = Duration::from_millis(100);
    for _ in 0..3 {
        match op().await {
            Ok(()) => return Ok(()),
            Err(e) => tracing::warn!(error = %e, "database write failed; retrying"),
        }
        tokio::time::sleep(delay).await;
        delay *= 4;
    }
    op().await
}

/// Another request is calling Mercado Pago for this order: answer with its outcome.
async fn wait_for_outcome(svc: &Checkout, order_id: OrderId) -> Result<Outcome, ChargeError> {
    let deadline = tokio::time::Instant::now() + svc.timings.stale_after;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let status = orders::status_of(&svc.pool, order_id).await?;
        if status == OrderStatus::Processing {
            continue;
        }
        return match orders::latest_payment(&svc.pool, order_id).await? {
            Some(record) if status != OrderStatus::Created => {
                Ok(Outcome::of_record(order_id, &record))
            }
            _ => Err(ChargeError::InProgress),
        };
    }
    Err(ChargeError::InProgress)
}

/// Asks Mercado Pago what became of an unanswered call. `Ok(None)`: nothing was made, and
/// none of its calls can still land, so the order may be paid again.
async fn resolve_unknown(
    svc: &Checkout,
    order_id: OrderId,
) -> Result<Option<Outcome>, ChargeError> {
    let resolution = resolve::resolve_unknown(
        &svc.lender,
        &svc.mercadopago,
        order_id,
        &svc.timings,
        Source::Checkout,
        svc.refund_with(),
    )
    .await;
    match resolution {
        Ok(Resolution::Found(paid)) => Ok(Some(Outcome::of_payment(order_id, &paid))),
        Ok(Resolution::NotYet) => Err(ChargeError::InProgress),
        Ok(Resolution::NothingMade | Resolution::NothingToResolve) => Ok(None),
        Err(ResolveError::Provider(e)) => Err(ChargeError::OutcomeUnknown(e)),
        Err(ResolveError::Database(e)) => Err(ChargeError::Database(e)),
    }
}
