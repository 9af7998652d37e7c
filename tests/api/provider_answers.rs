//! Every answer Mercado Pago may give to a payment creation, and the store's answer to it: one
//! table per family. A row says what Mercado Pago answers (each time it is asked) and what the
//! shopper gets: the HTTP status, the JSON `error`, words of the message, whether a
//! `Retry-After` is passed on, the order's status, how many calls were made (all under one
//! idempotency key, byte for byte the same) and the least time the retries waited.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use wiremock::ResponseTemplate;

use common::{approved_after, payment_response, spawn_with, Options};

/// What Mercado Pago does with each `POST /v1/payments`.
#[derive(Clone, Copy, Debug)]
enum Mp {
    /// 201 with a payment of this status and detail.
    Created(&'static str, &'static str),
    /// This HTTP status, with Mercado Pago's error body, these causes and maybe a `Retry-After`.
    Error {
        status: u16,
        causes: &'static [(i64, &'static str)],
        retry_after: Option<&'static str>,
    },
    /// A 201 that comes after the store's 2 s timeout.
    TooSlow,
    /// The request is read and the connection closed without an answer.
    Dropped,
}

const fn error(status: u16) -> Mp {
    Mp::Error {
        status,
        causes: &[],
        retry_after: None,
    }
}

/// The store's side of a row.
struct Row {
    mp: Mp,
    status: u16,
    /// The JSON `error`; `None` for a payment (then the answer carries its status).
    error: Option<&'static str>,
    /// Words the shopper's message holds.
    says: &'static str,
    /// The `Retry-After` the store answers with.
    retry_after: Option<&'static str>,
    order: &'static str,
    calls: usize,
    /// The least time the pauses between the calls add up to.
    waited: Duration,
}

/// The store's pauses between calls when Mercado Pago names none: 200 ms, then 600 ms.
const BACKOFF: Duration = Duration::from_millis(800);

/// An unknown outcome: Mercado Pago may have made the payment, so the order waits for the
/// truth and the shopper is told not to pay again.
const fn unknown(mp: Mp, calls: usize, waited: Duration) -> Row {
    Row {
        mp,
        status: 502,
        error: Some("outcome_unknown"),
        says: "Não pague de novo",
        retry_after: None,
        order: "payment_unknown",
        calls,
        waited,
    }
}

/// Nothing was made: the shopper may try again.
const fn unavailable(mp: Mp, status: u16, calls: usize, waited: Duration) -> Row {
    Row {
        mp,
        status,
        error: Some("provider_unavailable"),
        says: "nada foi cobrado",
        retry_after: None,
        order: "created",
        calls,
        waited,
    }
}

/// Mercado Pago refused the request: one call, the order still payable.
const fn refused(mp: Mp, says: &'static str) -> Row {
    Row {
        mp,
        status: 422,
        error: Some("payment_refused"),
        says,
        retry_after: None,
        order: "created",
        calls: 1,
        waited: Duration::ZERO,
    }
}

/// A payment Mercado Pago made, in this status.
const fn created(status: &'static str, detail: &'static str, order: &'static str) -> Row {
    Row {
        mp: Mp::Created(status, detail),
        status: 200,
        error: None,
        says: "",
        retry_after: None,
        order,
        calls: 1,
        waited: Duration::ZERO,
    }
}

/// Runs the rows one after another (at once, a busy machine would push calls past the
/// store's timeout), each against a store of its own, and fails naming every row that did
/// not hold.
async fn check(rows: &[Row]) {
    let mut failures = vec![];
    for row in rows {
        failures.extend(run(row).await);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

async fn run(row: &Row) -> Option<String> {
    let dropping = match row.mp {
        Mp::Dropped => Some(common::raw::dropping_payments().await),
        _ => None,
    };
    let app = spawn_with(Options {
        api_base: dropping.as_ref().map(|(base, _)| base.clone()),
        ..Options::default()
    })
    .await;
    match row.mp {
        Mp::Created(status, detail) => app.mp_creates(payment_response(status, detail)).await,
        Mp::TooSlow => {
            let late = approved_after(Duration::from_secs(4));
            app.mp_creates(late).await
        }
        Mp::Error {
            status,
            causes,
            retry_after,
        } => {
            let cause: Vec<Value> = causes
                .iter()
                .map(|(code, description)| json!({"code": code, "description": description}))
                .collect();
            let mut template = ResponseTemplate::new(status).set_body_json(json!({
                "message": causes.first().map_or("error", |c| c.1), "error": "error",
                "status": status, "cause": cause}));
            if let Some(seconds) = retry_after {
                template = template.insert_header("Retry-After", seconds);
            }
            app.mp_creates(template).await
        }
        Mp::Dropped => {}
    }
    app.mp_search_finds(vec![]).await;

    let checkout = app.start_checkout().await;
    let started = Instant::now();
    let res = app.pay_card(&checkout).await;
    let took = started.elapsed();
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let order = app.order_status(&checkout.order_id).await;
    let (calls, one_request) = match &dropping {
        Some((_, count)) => (count.load(Ordering::SeqCst), true),
        None => {
            let calls = app.payment_calls().await;
            let same = calls.iter().all(|c| {
                c.body == calls[0].body
                    && c.headers["x-idempotency-key"] == calls[0].headers["x-idempotency-key"]
            });
            (calls.len(), same)
        }
    };

    let mut wrong = vec![];
    let mut expect = |what: &str, holds: bool, seen: String| {
        if !holds {
            wrong.push(format!("{what}: {seen}"));
        }
    };
    expect("status", status == row.status, status.to_string());
    match row.error {
        Some(error) => {
            expect("error", body["error"] == error, body.to_string());
            expect(
                "message",
                body["message"].as_str().unwrap_or("").contains(row.says),
                body.to_string(),
            );
            if error == "outcome_unknown" {
                expect(
                    "sent to the order page",
                    body["redirect_url"] == format!("/orders/{}", checkout.order_id),
                    body.to_string(),
                );
            }
        }
        None => {
            let Mp::Created(paid, detail) = row.mp else {
                unreachable!("a payment row is a 201")
            };
            expect(
                "payment",
                body["status"] == paid && body["status_detail"] == detail,
                body.to_string(),
            );
            expect(
                "payment id",
                body["payment_id"].as_i64().is_some(),
                body.to_string(),
            );
        }
    }
    expect(
        "Retry-After",
        retry_after.as_deref() == row.retry_after,
        format!("{retry_after:?}"),
    );
    expect("order", order == row.order, order.clone());
    expect("calls", calls == row.calls, calls.to_string());
    expect("one key, one body", one_request, String::new());
    expect("waited", took >= row.waited, format!("{took:?}"));
    (!wrong.is_empty()).then(|| format!("{:?}: {}", row.mp, wrong.join("; ")))
}

#[tokio::test]
async fn each_payment_status_mercado_pago_creates_is_the_answer_and_moves_the_order() {
    check(&[
        created("approved", "accredited", "paid"),
        created("in_process", "pending_contingency", "payment_in_process"),
        created("in_process", "pending_review_manual", "payment_in_process"),
        created("authorized", "pending_capture", "payment_in_process"),
        created("pending", "pending_waiting_payment", "payment_pending"),
        created("rejected", "cc_rejected_insufficient_amount", "rejected"),
        created(
            "rejected",
            "cc_rejected_bad_filled_security_code",
            "rejected",
        ),
        created("rejected", "cc_rejected_call_for_authorize", "rejected"),
        created("cancelled", "expired", "cancelled"),
    ])
    .await;
}

#[tokio::test]
async fn each_refusal_is_explained_once_and_the_order_stays_payable() {
    check(&[
        // A used or expired card token: the shopper types the card again.
        refused(
            Mp::Error {
                status: 400,
                causes: &[(3003, "Invalid card_token_id")],
                retry_after: None,
            },
            "cartão expiraram",
        ),
        refused(
            Mp::Error {
                status: 400,
                causes: &[(2006, "Card Token not found")],
                retry_after: None,
            },
            "cartão expiraram",
        ),
        // The payer's document.
        refused(
            Mp::Error {
                status: 400,
                causes: &[(2067, "Invalid user identification number")],
                retry_after: None,
            },
            "documento",
        ),
        // Anything else Mercado Pago refuses.
        refused(
            Mp::Error {
                status: 400,
                causes: &[(4020, "notification_url attribute must be url valid")],
                retry_after: None,
            },
            "não aceitou os dados do pagamento",
        ),
        refused(error(404), "não aceitou os dados do pagamento"),
    ])
    .await;
}

#[tokio::test]
async fn credentials_mercado_pago_refuses_charge_nothing_and_are_not_retried() {
    check(&[401, 403].map(|status| unavailable(error(status), 503, 1, Duration::ZERO))).await;
}

#[tokio::test]
async fn rate_limiting_is_retried_after_the_pause_mercado_pago_asks_for_then_charges_nothing() {
    check(&[
        // Retry-After: 1, honoured before each of the two further calls.
        // The shopper is told the same pause.
        Row {
            retry_after: Some("1"),
            ..unavailable(
                Mp::Error {
                    status: 429,
                    causes: &[],
                    retry_after: Some("1"),
                },
                429,
                3,
                Duration::from_secs(2),
            )
        },
        // No Retry-After: the store's own backoff, and a short pause of its own for the shopper.
        Row {
            retry_after: Some("5"),
            ..unavailable(error(429), 429, 3, BACKOFF)
        },
    ])
    .await;
}

#[tokio::test]
async fn a_server_error_is_retried_under_one_key_then_left_unknown() {
    check(&[500, 502, 503].map(|status| unknown(error(status), 3, BACKOFF))).await;
}

#[tokio::test]
async fn a_key_in_use_or_locked_is_retried_under_one_key_then_left_unknown() {
    check(&[409, 423, 424].map(|status| unknown(error(status), 3, BACKOFF))).await;
}

#[tokio::test]
async fn a_lost_answer_leaves_the_outcome_unknown() {
    check(&[
        // Not retried: the shopper has already waited the whole timeout.
        unknown(Mp::TooSlow, 1, Duration::from_secs(2)),
        // Retried at once: the answer was lost, the same request may be sent again.
        unknown(Mp::Dropped, 3, Duration::ZERO),
    ])
    .await;
}
