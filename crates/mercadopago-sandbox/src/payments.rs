//! `/v1/payments`: create (with idempotency), read, search, cancel and capture.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::auth::{bad_request, gate, idempotency_key, mp_error, not_found, record};
use crate::faults::FaultEvent;
use crate::money::Amount;
use crate::store::Replay;
use crate::{cards, methods, threeds, webhooks, Sandbox};

pub const COLLECTOR_ID: i64 = 1_234_567_890;

pub use crate::clock::iso as time_text;

pub fn now_text() -> String {
    crate::clock::now()
}

/// The account's number of decimals (0 for CLP and COP).
pub fn decimals(sandbox: &Sandbox) -> u32 {
    sandbox.inner.config.decimals
}

/// An amount as Mercado Pago takes it: a positive JSON number with the currency's decimals.
pub fn parse_amount(value: &Value, decimals: u32) -> Option<Amount> {
    Amount::from_json(value, decimals).filter(|m| m.minor() > 0)
}

fn answer(req: &HttpRequest, status: u16, body: Value) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
        .json(with_base(req, body))
}

/// A 5xx picked by the generator, in Mercado Pago's error shape.
fn server_error(status: u16) -> Value {
    let (error, message) = match status {
        502 => ("bad_gateway", "Bad Gateway"),
        503 => ("service_unavailable", "Service Unavailable"),
        504 => ("gateway_timeout", "Gateway Timeout"),
        _ => ("internal_error", "Internal server error"),
    };
    json!({"message": message, "error": error, "status": status, "cause": []})
}

/// Marks an idempotency key as in flight until dropped, waking whoever waits on it.
struct InFlight {
    sandbox: Sandbox,
    key: String,
    done: tokio::sync::watch::Sender<bool>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.sandbox
            .inner
            .in_flight
            .lock()
            .unwrap()
            .remove(&self.key);
        let _ = self.done.send(true);
    }
}

/// What a request with this key finds: nothing in flight (it is now the one in flight), or
/// another request with the same key still processing.
enum Slot {
    Mine(InFlight),
    Busy(tokio::sync::watch::Receiver<bool>),
}

fn claim(sandbox: &Sandbox, key: &str) -> Slot {
    let mut in_flight = sandbox.inner.in_flight.lock().unwrap();
    if let Some(rx) = in_flight.get(key) {
        return Slot::Busy(rx.clone());
    }
    let (done, rx) = tokio::sync::watch::channel(false);
    in_flight.insert(key.to_string(), rx);
    Slot::Mine(InFlight {
        sandbox: sandbox.clone(),
        key: key.to_string(),
        done,
    })
}

fn fault_event(kind: &str, req: &HttpRequest, key: &Option<String>, request: &Value) -> FaultEvent {
    FaultEvent {
        kind: kind.into(),
        method: req.method().to_string(),
        path: req.path().to_string(),
        idempotency_key: key.clone(),
        external_reference: request["external_reference"].as_str().map(String::from),
        ..Default::default()
    }
}

pub async fn create(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    body: web::Bytes,
) -> HttpResponse {
    let started = std::time::Instant::now();
    let answer = create_payment(req.clone(), sandbox.clone(), body).await;
    if let Some(key) = idempotency_key(&req) {
        let micros = started.elapsed().as_micros() as u64;
        let mut store = sandbox.inner.store.lock().unwrap();
        store.answer_times.push((key, micros));
        store.trim();
    }
    answer
}

async fn create_payment(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    body: web::Bytes,
) -> HttpResponse {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return bad_request(1, "Params Error: the body must be a JSON object"),
    };
    record(&sandbox, &req, &request);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let key = idempotency_key(&req);
    let mut _mine = None;
    if let Some(k) = &key {
        loop {
            match claim(&sandbox, k) {
                Slot::Mine(slot) => {
                    _mine = Some(slot);
                    break;
                }
                Slot::Busy(mut rx) => {
                    let conflict = {
                        let mut f = sandbox.inner.faults.lock().unwrap();
                        let p = f.faults.in_flight_conflict;
                        if f.rng.chance(p) {
                            let status = f.rng.pick(&[409_u16, 423]);
                            let mut event = fault_event("in_flight_conflict", &req, &key, &request);
                            event.status = Some(status);
                            f.record(event);
                            Some(status)
                        } else {
                            None
                        }
                    };
                    match conflict {
                        Some(409) => {
                            return mp_error(
                                409,
                                "conflict",
                                "a request with this idempotency key is being processed",
                                409,
                            )
                        }
                        Some(status) => {
                            return mp_error(
                                status,
                                "locked",
                                "the idempotency key is locked by a request in flight",
                                i64::from(status),
                            )
                        }
                        // Wait for the first, then look again: its stored answer replays.
                        None => {
                            let _ = rx.wait_for(|done| *done).await;
                        }
                    }
                }
            }
        }
        let replay = sandbox
            .inner
            .store
            .lock()
            .unwrap()
            .idempotency
            .get(k)
            .cloned();
        if let Some(replay) = replay {
            if replay.request != request {
                return mp_error(
                    409,
                    "conflict",
                    "the idempotency key was already used with another request",
                    409,
                );
            }
            return answer(&req, replay.status, replay.body);
        }
    }
    // Faults drawn in one go, in a fixed order, so a seed gives the same story.
    let (before, processing, lost, after, behind) = {
        let mut f = sandbox.inner.faults.lock().unwrap();
        let p = f.faults.error_before_create;
        let before = f.rng.chance(p).then(|| f.rng.pick(&[500_u16, 502, 503]));
        let range = f.faults.processing_ms;
        let processing = f.rng.between(range);
        let p = f.faults.lost_answer;
        let lost = f.rng.chance(p).then(|| f.hold());
        let p = f.faults.error_after_create;
        let after = (lost.is_none() && f.rng.chance(p)).then(|| f.rng.pick(&[500_u16, 502, 503]));
        let p = f.faults.error_while_processing;
        let behind = (before.is_none() && lost.is_none() && after.is_none() && f.rng.chance(p))
            .then(|| {
                let range = f.faults.processing_behind_ms;
                (f.rng.pick(&[502_u16, 504]), f.rng.between(range))
            });
        if let Some(status) = before {
            let mut event = fault_event("error_before_create", &req, &key, &request);
            event.status = Some(status);
            f.record(event);
        }
        if let Some((status, ms)) = behind {
            let mut event = fault_event("error_while_processing", &req, &key, &request);
            event.status = Some(status);
            event.delay_ms = Some(processing + ms);
            f.record(event);
        }
        (before, processing, lost, after, behind)
    };
    if let Some((status, ms)) = behind {
        // The edge gave up; the request goes on behind it, its key held until it is done.
        let (sandbox, request, key) = (sandbox.clone(), request.clone(), key.clone());
        let held = _mine.take();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(processing + ms)).await;
            let made = build(&sandbox, &request);
            let (status, body) = match made {
                Ok(payment) => (201, payment),
                Err((status, body)) => (status, body),
            };
            if let Some(key) = key {
                sandbox.inner.store.lock().unwrap().idempotency.insert(
                    key,
                    Replay {
                        request,
                        status,
                        body: body.clone(),
                    },
                );
            }
            drop(held);
            if status == 201 {
                webhooks::notify(&sandbox, &body, "payment.created");
            }
        });
        return answer(&req, status, server_error(status));
    }
    if processing > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(processing)).await;
    }
    // A failure before anything was made still costs the processing time: a slow 5xx.
    if let Some(status) = before {
        return answer(&req, status, server_error(status));
    }
    let (status, body) = match build(&sandbox, &request) {
        Ok(payment) => (201, payment),
        Err((status, body)) => (status, body),
    };
    if let Some(key) = &key {
        sandbox.inner.store.lock().unwrap().idempotency.insert(
            key.clone(),
            Replay {
                request: request.clone(),
                status,
                body: body.clone(),
            },
        );
    }
    // The answer is stored: a same-key request from now on replays it.
    drop(_mine);
    if status == 201 {
        webhooks::notify(&sandbox, &body, "payment.created");
    }
    let created = (status == 201).then(|| body["id"].as_i64()).flatten();
    let fault = |kind: &str, code: u16, delay: Option<u64>| {
        let mut event = fault_event(kind, &req, &key, &request);
        event.payment_id = created;
        event.status = Some(code);
        event.delay_ms = delay;
        sandbox.inner.faults.lock().unwrap().record(event);
    };
    if let Some(hold) = lost {
        fault("lost_answer", 504, Some(hold.as_millis() as u64));
        tokio::time::sleep(hold).await;
        return answer(&req, 504, server_error(504));
    }
    if let Some(code) = after {
        fault("error_after_create", code, None);
        return answer(&req, code, server_error(code));
    }
    // A slow Mercado Pago: the payment exists already, only the answer is late.
    let delay = sandbox.inner.config.response_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    answer(&req, status, body)
}

type Refusal = (u16, Value);

fn refuse(code: i64, message: &str) -> Refusal {
    (
        400,
        json!({"message": message, "error": "bad_request", "status": 400,
               "cause": [{"code": code, "description": message, "data": null}]}),
    )
}

/// A payment's own lag in the search index: between half of `max_ms` and all of it, drawn from
/// the seed and the payment id so that it does not shift the other faults' draws.
fn search_lag(max_ms: u64, seed: u64, id: i64) -> std::time::Duration {
    if max_ms == 0 {
        return std::time::Duration::ZERO;
    }
    let draw = crate::rng::SplitMix64::new(seed ^ id as u64).next_u64();
    let half = max_ms / 2;
    std::time::Duration::from_millis(half + draw % (max_ms - half + 1))
}

/// Validates a payment request like Mercado Pago and makes the payment it asks for.
fn build(sandbox: &Sandbox, r: &Value) -> Result<Value, Refusal> {
    let config = &sandbox.inner.config;
    let amount = parse_amount(&r["transaction_amount"], decimals(sandbox))
        .ok_or_else(|| refuse(2072, "Invalid transaction_amount"))?;
    let method = r["payment_method_id"]
        .as_str()
        .ok_or_else(|| refuse(2131, "Cannot infer Payment Method"))?;
    let kind = methods::payment_type(&config.site_id, method)
        .filter(|k| *k != "account_money")
        .ok_or_else(|| refuse(3011, "payment_method not found"))?;
    let email = r["payer"]["email"].as_str().unwrap_or("");
    if !email.contains('@') {
        return Err(refuse(4050, "payer.email must be a valid email"));
    }
    // A document type outside the site's list is refused, whatever the number (case aside:
    // the list says `otro` for Uruguay, the Brick's docs `Otro`).
    let types = methods::document_types(&config.site_id);
    let document = r["payer"]["identification"]["type"]
        .as_str()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(document) = document {
        if !types.is_empty()
            && !types
                .iter()
                .any(|(id, ..)| id.eq_ignore_ascii_case(document))
        {
            return Err(refuse(2067, "Invalid user identification type"));
        }
    }
    let now = OffsetDateTime::now_utc();
    let mut p = base_payment(sandbox, r, method, kind, amount, now);
    match kind {
        "credit_card" | "debit_card" => card(sandbox, r, &mut p, amount)?,
        "bank_transfer" if method == "pix" => pix(r, &mut p, now)?,
        "bank_transfer" => pse(r, &mut p)?,
        _ => ticket(r, &mut p, method, now)?,
    }
    let id = {
        let mut store = sandbox.inner.store.lock().unwrap();
        store.trim();
        let id = store.new_payment_id();
        p["id"] = id.into();
        if threeds::awaits_challenge(&p) {
            p["three_ds_info"] = threeds::challenge_info(id);
        }
        store.insert_new(id, p.clone());
        id
    };
    for ptr in [
        "/transaction_details/external_resource_url",
        "/point_of_interaction/transaction_data/ticket_url",
    ] {
        if let Some(Value::String(url)) = p.pointer_mut(ptr) {
            *url = url.replace("{id}", &id.to_string());
        }
    }
    sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .payments
        .insert(id, p.clone());
    Ok(p)
}

fn base_payment(
    sandbox: &Sandbox,
    r: &Value,
    method: &str,
    kind: &str,
    amount: Amount,
    now: OffsetDateTime,
) -> Value {
    let number = amount.to_json_number();
    json!({
        "id": null,
        "date_created": time_text(now),
        "date_approved": null,
        "date_last_updated": time_text(now),
        "date_of_expiration": null,
        "money_release_date": null,
        "operation_type": "regular_payment",
        "issuer_id": r.get("issuer_id").cloned().unwrap_or(Value::Null),
        "payment_method_id": method,
        "payment_type_id": kind,
        "status": "pending",
        "status_detail": "pending_waiting_payment",
        "currency_id": sandbox.inner.config.currency_id,
        "description": r.get("description").cloned().unwrap_or(Value::Null),
        "live_mode": false,
        "collector_id": COLLECTOR_ID,
        "payer": {
            "id": null, "type": "guest",
            "email": r["payer"]["email"],
            "identification": r["payer"].get("identification").cloned().unwrap_or(Value::Null),
            "first_name": r["payer"].get("first_name").cloned().unwrap_or(Value::Null),
            "last_name": r["payer"].get("last_name").cloned().unwrap_or(Value::Null),
        },
        "metadata": r.get("metadata").cloned().unwrap_or(json!({})),
        "additional_info": r.get("additional_info").cloned().unwrap_or(json!({})),
        "external_reference": r.get("external_reference").cloned().unwrap_or(Value::Null),
        "transaction_amount": number,
        "transaction_amount_refunded": 0,
        "installments": r.get("installments").cloned().unwrap_or(json!(1)),
        "transaction_details": {
            "net_received_amount": number, "total_paid_amount": number, "overpaid_amount": 0,
            "external_resource_url": null, "installment_amount": number,
            "financial_institution": null, "payment_method_reference_id": null,
        },
        "card": {},
        "captured": true,
        "binary_mode": r.get("binary_mode").cloned().unwrap_or(json!(false)),
        "statement_descriptor": r.get("statement_descriptor").cloned().unwrap_or(Value::Null),
        "notification_url": r.get("notification_url").cloned().unwrap_or(Value::Null),
        "callback_url": r.get("callback_url").cloned().unwrap_or(Value::Null),
        "refunds": [],
        "point_of_interaction": {},
        "fee_details": [],
        "processing_mode": "aggregator",
        "three_ds_info": null,
        "authorization_code": null,
    })
}

fn card(sandbox: &Sandbox, r: &Value, p: &mut Value, amount: Amount) -> Result<(), Refusal> {
    let token_id = r["token"]
        .as_str()
        .ok_or_else(|| refuse(2006, "Card Token not found"))?;
    let installments = r["installments"].as_i64().filter(|n| (1..=36).contains(n));
    let installments = installments
        .ok_or_else(|| refuse(1, "Params Error: installments must be between 1 and 36"))?;
    let token = {
        let mut store = sandbox.inner.store.lock().unwrap();
        let token = store
            .tokens
            .get_mut(token_id)
            .ok_or_else(|| refuse(2006, "Card Token not found"))?;
        if token.used {
            return Err(refuse(3003, "Invalid card_token_id"));
        }
        token.used = true;
        token.clone()
    };
    let (mut status, mut detail) = cards::outcome(&token.cardholder);
    let challenge = token
        .cardholder
        .trim()
        .eq_ignore_ascii_case(threeds::CHALLENGE_NAME)
        && r["three_d_secure_mode"].as_str() == Some("optional")
        && r["binary_mode"].as_bool() != Some(true);
    if challenge {
        // `three_ds_info` is added once the payment has its id (`build`).
        (status, detail) = ("pending", "pending_challenge");
    }
    if status == "in_process" && r["binary_mode"].as_bool() == Some(true) {
        (status, detail) = ("rejected", "cc_rejected_other_reason");
    }
    if status == "approved" && r["capture"].as_bool() == Some(false) {
        (status, detail) = ("authorized", "pending_capture");
        p["captured"] = false.into();
    }
    p["status"] = status.into();
    p["status_detail"] = detail.into();
    if status == "approved" {
        p["date_approved"] = p["date_created"].clone();
        p["authorization_code"] = "301299".into();
    }
    let per = Amount::from_minor(
        (amount.minor() + installments - 1) / installments,
        decimals(sandbox),
    )
    .unwrap_or(amount);
    p["transaction_details"]["installment_amount"] = per.to_json_number().into();
    p["card"] = json!({
        "first_six_digits": token.first_six,
        "last_four_digits": token.last_four,
        "expiration_month": token.expiration_month,
        "expiration_year": token.expiration_year,
        "cardholder": {"name": token.cardholder, "identification": token.identification},
    });
    Ok(())
}

fn pix(r: &Value, p: &mut Value, now: OffsetDateTime) -> Result<(), Refusal> {
    let expires = match r["date_of_expiration"].as_str() {
        Some(text) => {
            let at = crate::clock::parse(text)
                .ok_or_else(|| refuse(23, "date_of_expiration has a bad format"))?;
            let ahead = at - now;
            if ahead < Duration::minutes(30) || ahead > Duration::days(30) {
                return Err(refuse(
                    4020,
                    "date_of_expiration must be between 30 minutes and 30 days from now",
                ));
            }
            at
        }
        None => now + Duration::hours(24),
    };
    let code = format!(
        "00020126580014br.gov.bcb.pix0136sandbox-{}5204000053039865405{}5802BR5913SANDBOX STORE6009SAO PAULO62070503***6304ABCD",
        uuid::Uuid::new_v4().simple(),
        p["transaction_amount"]
    );
    p["status"] = "pending".into();
    p["status_detail"] = "pending_waiting_transfer".into();
    p["date_of_expiration"] = time_text(expires).into();
    p["point_of_interaction"] = json!({
        "type": "PIX",
        "transaction_data": {
            "qr_code": code,
            "qr_code_base64": crate::pages::QR_PNG_BASE64,
            "ticket_url": "{base}/sandbox/voucher/{id}",
        }
    });
    Ok(())
}

fn pse(r: &Value, p: &mut Value) -> Result<(), Refusal> {
    for (field, value) in [
        ("description", &r["description"]),
        ("callback_url", &r["callback_url"]),
        (
            "additional_info.ip_address",
            &r["additional_info"]["ip_address"],
        ),
        (
            "transaction_details.financial_institution",
            &r["transaction_details"]["financial_institution"],
        ),
    ] {
        if value.as_str().is_none_or(str::is_empty) {
            return Err(refuse(
                1,
                &format!("Params Error: {field} is required for PSE"),
            ));
        }
    }
    p["status"] = "pending".into();
    p["status_detail"] = "pending_waiting_transfer".into();
    p["transaction_details"]["financial_institution"] =
        r["transaction_details"]["financial_institution"].clone();
    p["transaction_details"]["external_resource_url"] = "{base}/sandbox/voucher/{id}".into();
    Ok(())
}

fn ticket(r: &Value, p: &mut Value, method: &str, now: OffsetDateTime) -> Result<(), Refusal> {
    if method == "pagoefectivo_atm" && r["description"].as_str().is_none_or(str::is_empty) {
        return Err(refuse(
            1,
            "Params Error: description is required for pagoefectivo_atm",
        ));
    }
    if method == "bolbradesco" {
        let payer = &r["payer"];
        let missing = ["first_name", "last_name"]
            .into_iter()
            .find(|f| payer[*f].as_str().is_none_or(str::is_empty));
        if let Some(field) = missing {
            return Err(refuse(
                1,
                &format!("Params Error: payer.{field} is required for boleto"),
            ));
        }
        if payer["identification"]["number"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            return Err(refuse(2067, "Invalid user identification number"));
        }
        p["barcode"] = json!({"content": format!("23791{:039}", now.unix_timestamp())});
        p["transaction_details"]["verification_code"] = "1".into();
        p["transaction_details"]["financial_institution"] = "bradesco".into();
    }
    let expires = match r["date_of_expiration"].as_str() {
        Some(text) => crate::clock::parse(text)
            .ok_or_else(|| refuse(23, "date_of_expiration has a bad format"))?,
        None => now + Duration::days(3),
    };
    p["status"] = "pending".into();
    p["status_detail"] = "pending_waiting_payment".into();
    p["date_of_expiration"] = time_text(expires).into();
    p["transaction_details"]["external_resource_url"] = "{base}/sandbox/voucher/{id}".into();
    p["transaction_details"]["payment_method_reference_id"] =
        format!("{}", 1_000_000_000 + now.unix_timestamp() % 1_000_000_000).into();
    Ok(())
}

/// Fills `{base}` in stored URLs with the address the request came to (mounted or standalone).
pub fn with_base(req: &HttpRequest, mut p: Value) -> Value {
    let info = req.connection_info();
    let path = req.path();
    let mount = path.find("/v1/").map(|i| &path[..i]).unwrap_or("");
    let base = format!("{}://{}{}", info.scheme(), info.host(), mount);
    for ptr in [
        "/transaction_details/external_resource_url",
        "/point_of_interaction/transaction_data/ticket_url",
        "/three_ds_info/external_resource_url",
    ] {
        if let Some(Value::String(s)) = p.pointer_mut(ptr) {
            *s = s.replace("{base}", &base);
        }
    }
    p
}

pub async fn get(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let found = path.parse::<i64>().ok().and_then(|id| sandbox.payment(id));
    match found {
        Some(p) => HttpResponse::Ok().json(with_base(&req, p)),
        None => not_found("Payment not found"),
    }
}

pub async fn search(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    // The index lags: a payment shows only some time after it was made.
    let (max_lag, seed) = {
        let f = sandbox.inner.faults.lock().unwrap();
        (f.faults.search_lag_ms, f.faults.seed)
    };
    let mut found: Vec<Value> = {
        let store = sandbox.inner.store.lock().unwrap();
        store
            .payments
            .iter()
            .filter(|(id, _)| {
                let lag = search_lag(max_lag, seed, **id);
                store.created.get(id).is_none_or(|at| at.elapsed() >= lag)
            })
            .map(|(_, p)| p.clone())
            .collect()
    };
    for field in ["external_reference", "status", "payment_method_id"] {
        if let Some(want) = query.get(field) {
            found.retain(|p| p[field].as_str() == Some(want.as_str()));
        }
    }
    let range = query
        .get("range")
        .map(String::as_str)
        .unwrap_or("date_created");
    if let Some(begin) = query.get("begin_date") {
        found.retain(|p| p[range].as_str().is_some_and(|d| d >= begin.as_str()));
    }
    if let Some(end) = query.get("end_date") {
        found.retain(|p| p[range].as_str().is_some_and(|d| d <= end.as_str()));
    }
    let sort = query
        .get("sort")
        .map(String::as_str)
        .unwrap_or("date_created");
    found.sort_by(|a, b| {
        let (x, y) = (&a[sort], &b[sort]);
        x.as_str()
            .cmp(&y.as_str())
            .then(a["id"].as_i64().cmp(&b["id"].as_i64()))
    });
    if query.get("criteria").map(String::as_str) != Some("asc") {
        found.reverse();
    }
    let total = found.len();
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(30)
        .min(1000);
    let offset: usize = query
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let results: Vec<Value> = found
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|p| with_base(&req, p))
        .collect();
    HttpResponse::Ok().json(
        json!({"paging": {"total": total, "limit": limit, "offset": offset}, "results": results}),
    )
}

/// `PUT /v1/payments/{id}`: `{"status":"cancelled"}` or `{"capture":true}`.
pub async fn update(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    record(&sandbox, &req, &body);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let Some(id) = path
        .parse::<i64>()
        .ok()
        .filter(|id| sandbox.payment(*id).is_some())
    else {
        return not_found("Payment not found");
    };
    let current = sandbox.payment(id).unwrap_or_default();
    let status = current["status"].as_str().unwrap_or("");
    let changed = if body["status"].as_str() == Some("cancelled") {
        if !matches!(status, "pending" | "in_process" | "authorized") {
            return bad_request(
                2063,
                "The action requested is not valid for the current payment state",
            );
        }
        set_status(&sandbox, id, "cancelled", "by_collector")
    } else if body["capture"].as_bool() == Some(true) {
        if status != "authorized" {
            return bad_request(
                2063,
                "The action requested is not valid for the current payment state",
            );
        }
        set_status(&sandbox, id, "approved", "accredited")
    } else {
        return bad_request(
            1,
            "Params Error: send {\"status\":\"cancelled\"} or {\"capture\":true}",
        );
    };
    match changed {
        Some(p) => HttpResponse::Ok().json(with_base(&req, p)),
        None => not_found("Payment not found"),
    }
}

/// Moves a payment to a new state (control API, cancel, capture, refunds) and notifies.
pub fn set_status(sandbox: &Sandbox, id: i64, status: &str, detail: &str) -> Option<Value> {
    let updated = {
        let mut store = sandbox.inner.store.lock().unwrap();
        let p = store.payments.get_mut(&id)?;
        p["status"] = status.into();
        p["status_detail"] = detail.into();
        p["date_last_updated"] = now_text().into();
        if status == "approved" && p["date_approved"].is_null() {
            p["date_approved"] = now_text().into();
            p["captured"] = true.into();
        }
        p.clone()
    };
    webhooks::notify(sandbox, &updated, "payment.updated");
    Some(updated)
}

/// Moves payment `id`'s creation `minutes` into the past (its dates and its challenge window),
/// without notifying: nothing about the payment changed, only the time that passed.
pub fn age(sandbox: &Sandbox, id: i64, minutes: i64) -> Option<Value> {
    let mut store = sandbox.inner.store.lock().unwrap();
    let back = Duration::minutes(minutes);
    if let Some(at) = store.created.get_mut(&id) {
        let earlier = at.checked_sub(std::time::Duration::from_secs(60 * minutes as u64));
        *at = earlier.unwrap_or(*at);
    }
    let p = store.payments.get_mut(&id)?;
    for field in ["date_created", "date_last_updated"] {
        let moved = p[field]
            .as_str()
            .and_then(|d| {
                OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(|d| time_text(d - back));
        if let Some(moved) = moved {
            p[field] = moved.into();
        }
    }
    Some(p.clone())
}
