use std::time::Duration;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::attempts::{self, Claim, ClaimRules, Ticket};
use crate::db::orders::{self, PaymentRecord};
use crate::domain::order_status::Source;
use crate::domain::{DeviceId, OrderId, OrderStatus, PaymentRequest, RawSubmission};
use crate::mercadopago::{CreatePayment, MpError, Payment};
use crate::metrics::RequestResult;
use crate::payments::apply::{apply, Claimant};
use crate::payments::freshness::prices_still_hold;
use crate::payments::timings::{CALLS_PER_ATTEMPT, MAX_PAUSE};
use crate::reconcile::{self, Resolution, ResolveError};
use crate::session::TypedSession;
use crate::state::AppState;

use super::body::{payment_body, Line};
use super::{PaymentAnswer, PaymentError};

const CSRF_HEADER: &str = "x-csrf-token";
/// MercadoPago.js's device id, which the checkout page forwards.
const DEVICE_HEADER: &str = "x-device-id";

/// What the shopper's request tells Mercado Pago's fraud scoring besides the submission.
struct CallContext<'a> {
    client_ip: Option<std::net::IpAddr>,
    device: Option<&'a DeviceId>,
}

#[tracing::instrument(name = "process_payment", skip_all, fields(order_id = tracing::field::Empty))]
pub async fn process_payment(
    req: HttpRequest,
    body: web::Bytes,
    session: TypedSession,
    state: web::Data<AppState>,
) -> HttpResponse {
    let outcome = handle(&req, &body, &session, &state).await;
    state.metrics.payment_request(match &outcome {
        Ok(answer) => RequestResult::of_status(&answer.status),
        Err(e) => e.request_result(),
    });
    match outcome {
        Ok(answer) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(answer),
        Err(e) => {
            // Where the outcome is unknown, the order page is where the shopper will see it.
            let redirect = match (&e, session.open_order()) {
                (
                    PaymentError::OutcomeUnknown(_)
                    | PaymentError::NotRecorded { .. }
                    | PaymentError::InProgress,
                    Ok(Some(open)),
                ) => Some(result_url(open.id)),
                _ => None,
            };
            e.respond(state.site.lang(), redirect)
        }
    }
}

async fn handle(
    req: &HttpRequest,
    body: &[u8],
    session: &TypedSession,
    state: &AppState,
) -> Result<PaymentAnswer, PaymentError> {
    if state.is_draining() {
        return Err(PaymentError::ShuttingDown);
    }
    let csrf = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !session.csrf_matches(csrf) {
        return Err(PaymentError::Forbidden);
    }
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(PaymentError::NotJson);
    }
    let raw: RawSubmission = serde_path_to_error::deserialize(
        &mut serde_json::Deserializer::from_slice(body),
    )
    .map_err(|e| PaymentError::Malformed {
        path: e.path().to_string(),
        detail: e.inner().to_string(),
    })?;
    let payment = PaymentRequest::parse(raw, state.site, &state.id_types.current())?;
    let client_ip = crate::limits::client_ip(req);
    let device = req
        .headers()
        .get(DEVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(DeviceId::parse);
    let context = CallContext {
        client_ip,
        device: device.as_ref(),
    };
    let shopper = session.shopper_if_known()?.ok_or(PaymentError::NoOrder)?;
    let open = session.open_order()?.ok_or(PaymentError::NoOrder)?;
    tracing::Span::current().record("order_id", tracing::field::display(open.id));
    session.set_payer_email(payment.payer_email().as_str())?;

    let claimed = payment.claimed_money(state.site);
    let claimed_text = payment.claimed_amount().to_string();
    let method = payment.payment_method_id().to_string();
    let claim = |pool| {
        attempts::claim(
            pool,
            open.id,
            shopper,
            &claimed,
            &claimed_text,
            &method,
            ClaimRules {
                timings: state.timings,
                limits: state.attempt_limits,
                freshness: state.order_freshness,
            },
        )
    };
    let mut claimed_now = claim(&state.pool).await?;
    if let Claim::Stale = claimed_now {
        if !prices_still_hold(&state.pool, open.id, state.site.currency()).await? {
            return Err(PaymentError::PricesChanged);
        }
        claimed_now = claim(&state.pool).await?;
    }
    let answer = match claimed_now {
        Claim::Proceed(ticket) => charge(state, ticket, &payment, &context).await?,
        Claim::Replay(record) => answer(open.id, &record),
        Claim::InFlight => wait_for_outcome(state, open.id).await?,
        Claim::Unknown => {
            match resolve_unknown(state, open.id).await? {
                Some(answer) => answer,
                // Mercado Pago has no payment for it, long after the call: pay afresh.
                None => match claim(&state.pool).await? {
                    Claim::Proceed(ticket) => charge(state, ticket, &payment, &context).await?,
                    Claim::Replay(record) => answer(open.id, &record),
                    _ => return Err(PaymentError::InProgress),
                },
            }
        }
        Claim::AmountMismatch { expected } => {
            return Err(PaymentError::AmountMismatch { expected })
        }
        Claim::Closed(_) => return Err(PaymentError::OrderClosed),
        Claim::TooManyAttempts => return Err(PaymentError::TooManyAttempts),
        Claim::Stale => return Err(PaymentError::PricesChanged),
        Claim::NotFound => return Err(PaymentError::NoOrder),
    };
    // A payment taken spends the cart. One waiting for a 3-D Secure challenge is not taken
    // yet: if the bank refuses, the shopper pays again from the same cart (the result page
    // spends it once the order is decided).
    let challenged = answer.status == "pending" && answer.status_detail == "pending_challenge";
    if !OrderStatus::from_payment_status(&answer.status).accepts_payment() && !challenged {
        session.finish_order();
    }
    Ok(answer)
}

/// The one call to Mercado Pago this ticket allows, and the record of what came of it.
async fn charge(
    state: &AppState,
    ticket: Ticket,
    payment: &PaymentRequest,
    context: &CallContext<'_>,
) -> Result<PaymentAnswer, PaymentError> {
    let lines = sqlx::query!(
        r#"select i.product_id, i.name, i.quantity, i.unit_price_minor,
                  p.description as "description?", p.category_id
           from order_items i left join products p on p.id = i.product_id
           where i.order_id = $1 order by i.line_no"#,
        ticket.order_id.0
    )
    .fetch_all(&state.pool)
    .await;
    let lines = match lines {
        Ok(lines) => lines,
        Err(e) => {
            attempts::record_failure(
                &state.pool,
                ticket.order_id,
                ticket.attempt_no,
                "database failed before the call",
            )
            .await
            .ok();
            return Err(e.into());
        }
    };
    let lines: Vec<Line> = lines
        .into_iter()
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
    let body = payment_body(state, &ticket, payment, &lines, context.client_ip);
    tracing::info!(attempt = ticket.attempt_no, method = %body.payment_method_id, amount = %ticket.total.to_decimal_string(), payer = %payment.payer_email().masked(), "calling Mercado Pago");
    let device = context.device.map(DeviceId::as_str);
    match create_with_retries(state, &body, &ticket.idempotency_key, device).await {
        Ok(paid) => {
            record(state, ticket.order_id, ticket.attempt_no, &paid).await?;
            tracing::info!(payment_id = paid.id, status = %paid.status, status_detail = %paid.status_detail(), "Mercado Pago answered");
            Ok(answer_from(ticket.order_id, &paid))
        }
        Err(e) if e.outcome_unknown() => {
            let error = e.to_string();
            // Kept so that the same request can be sent again under the same key to learn
            // what it made.
            let sent = serde_json::to_string(&body).ok();
            retry_db(|| {
                attempts::record_unknown(
                    &state.pool,
                    ticket.order_id,
                    ticket.attempt_no,
                    &error,
                    sent.as_deref(),
                )
            })
            .await
            .ok();
            Err(PaymentError::OutcomeUnknown(e))
        }
        Err(e) => {
            let error = e.to_string();
            retry_db(|| {
                attempts::record_failure(&state.pool, ticket.order_id, ticket.attempt_no, &error)
            })
            .await
            .ok();
            Err(match e {
                MpError::Refused { .. } => PaymentError::ProviderRefused(e),
                _ => PaymentError::ProviderUnavailable(e),
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
    state: &AppState,
    body: &CreatePayment,
    key: &str,
    device: Option<&str>,
) -> Result<Payment, MpError> {
    let mut worst: Option<MpError> = None;
    let mut pause = Duration::from_millis(200);
    for call in 1..=CALLS_PER_ATTEMPT {
        let error = match state.mercadopago.create_payment(body, key, device).await {
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
async fn record(
    state: &AppState,
    order_id: OrderId,
    attempt_no: i32,
    paid: &Payment,
) -> Result<(), PaymentError> {
    let mut last = None;
    let mut delay = Duration::from_millis(100);
    for _ in 0..4 {
        match apply(
            &state.pool,
            &state.metrics,
            paid,
            Source::Checkout,
            Claimant::Attempt {
                order_id,
                attempt_no,
            },
            state.refund_with(),
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
        payment_id = paid.id,
        "payment made but not recorded; reconciliation must pick it up"
    );
    Err(PaymentError::NotRecorded {
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
async fn wait_for_outcome(
    state: &AppState,
    order_id: OrderId,
) -> Result<PaymentAnswer, PaymentError> {
    let deadline = tokio::time::Instant::now() + state.timings.stale_after;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let status = sqlx::query_scalar!("select status from orders where id = $1", order_id.0)
            .fetch_one(&state.pool)
            .await?;
        if status == OrderStatus::Processing.as_str() {
            continue;
        }
        return match orders::latest_payment(&state.pool, order_id).await? {
            Some(record) if status != OrderStatus::Created.as_str() => {
                Ok(answer(order_id, &record))
            }
            _ => Err(PaymentError::InProgress),
        };
    }
    Err(PaymentError::InProgress)
}

/// Asks Mercado Pago what became of an unanswered call. `Ok(None)`: nothing was made, and
/// none of its calls can still land, so the order may be paid again.
async fn resolve_unknown(
    state: &AppState,
    order_id: OrderId,
) -> Result<Option<PaymentAnswer>, PaymentError> {
    let resolution = reconcile::resolve_unknown(
        &state.pool,
        &state.mercadopago,
        order_id,
        &state.timings,
        Source::Checkout,
        state.refund_with(),
    )
    .await;
    match resolution {
        Ok(Resolution::Found(paid)) => Ok(Some(answer_from(order_id, &paid))),
        Ok(Resolution::NotYet) => Err(PaymentError::InProgress),
        Ok(Resolution::NothingMade | Resolution::NothingToResolve) => Ok(None),
        Err(ResolveError::Provider(e)) => Err(PaymentError::OutcomeUnknown(e)),
        Err(ResolveError::Database(e)) => Err(PaymentError::Database(e)),
    }
}

fn answer(order_id: OrderId, record: &PaymentRecord) -> PaymentAnswer {
    PaymentAnswer {
        order_id: order_id.to_string(),
        payment_id: record.id,
        status: record.status.clone(),
        status_detail: record.status_detail.clone(),
        redirect_url: result_url(order_id),
    }
}

fn answer_from(order_id: OrderId, paid: &Payment) -> PaymentAnswer {
    PaymentAnswer {
        order_id: order_id.to_string(),
        payment_id: paid.id,
        status: paid.status.clone(),
        status_detail: paid.status_detail().to_string(),
        redirect_url: result_url(order_id),
    }
}

pub fn result_url(order_id: OrderId) -> String {
    format!("/orders/{order_id}")
}
