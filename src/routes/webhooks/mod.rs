//! `POST /webhooks/mercadopago`: notifications are pointers. Verify the signature on the raw
//! request, keep the notification (a replay is ignored), answer 200 at once, then re-read the
//! payment from Mercado Pago and apply it (`reconcile::rereads`). A re-read that fails leaves
//! the notification due for the worker, which re-drives it until it is applied.
//!
//! A bad signature is refused and changes nothing. Legacy unsigned IPN hints are at most a
//! hint to re-read, bounded per source and in concurrency (`reconcile::hints`).

pub use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::db::notifications::NewNotification;
use crate::domain::PaymentId;
use crate::metrics::WebhookRefusal;
use crate::reconcile::rereads::{reread_once, Rereads};
use crate::state::AppState;

use crate::mercadopago::signature::{self, verify, SignatureError, SignedRequest};

pub async fn receive(
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    state.metrics.webhook_received();
    // Behind a reverse proxy every peer is the proxy: hints are bounded per real client.
    let source = crate::limits::client_ip(&req)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    // Legacy IPN (`?topic=payment&id=`) cannot be signed: it is only a hint to re-read.
    if let (Some(topic), Some(id)) = (query.get("topic"), query.get("id")) {
        return match (topic.as_str(), id.parse::<PaymentId>()) {
            ("payment", Ok(payment_id)) => hint(state.into_inner(), &source, payment_id).await,
            _ => HttpResponse::Ok().json(json!({"status": "ignored"})),
        };
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let data_id = query.get("data.id").map(String::as_str);
    let signed = SignedRequest {
        x_signature: header("x-signature"),
        x_request_id: header("x-request-id"),
        data_id,
    };
    let payment_id = data_id.and_then(|id| id.parse::<PaymentId>().ok());
    if let Err(e) = verify(&signed, state.webhook_secret.expose_secret().as_bytes()) {
        tracing::warn!(reason = %e, "webhook refused");
        state.metrics.webhook_refused(match e {
            SignatureError::Malformed => WebhookRefusal::Malformed,
            SignatureError::Missing | SignatureError::Mismatch => WebhookRefusal::Signature,
        });
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_signature", "message": "The notification's signature is not valid."}));
    }
    let topic = query
        .get("type")
        .or_else(|| query.get("topic"))
        .map(String::as_str)
        .unwrap_or("");
    let (Some(payment_id), "payment") = (payment_id, topic) else {
        tracing::info!(topic, "webhook acknowledged: nothing to do for this topic");
        return HttpResponse::Ok().json(json!({"status": "ignored"}));
    };
    // Verified, so the signature parses; its canonical form keeps a padded copy of one
    // notification from counting as another (or from being too long to keep).
    let dedupe_key = format!(
        "{}|{}",
        signed
            .x_signature
            .and_then(signature::canonical)
            .unwrap_or_default(),
        signed.x_request_id.unwrap_or("")
    );
    let inserted = state
        .reconciler
        .inbox
        .keep(NewNotification {
            dedupe_key,
            topic: topic.to_string(),
            data_id: payment_id.to_string(),
            request_id: signed.x_request_id.map(String::from),
        })
        .await;
    match inserted {
        Ok(Some(id)) => {
            if let Some(ts) = signed.x_signature.and_then(signature::timestamp) {
                state.metrics.webhook_kept(id, ts);
            }
            Rereads::schedule(state.reconciler.clone(), payment_id, Some(id));
            HttpResponse::Ok().json(json!({"status": "accepted"}))
        }
        Ok(None) => HttpResponse::Ok().json(json!({"status": "duplicate"})),
        Err(e) => {
            // Not acknowledged: Mercado Pago will deliver it again.
            tracing::error!(error = %e, "could not store a notification");
            HttpResponse::ServiceUnavailable().json(json!({"error": "unavailable"}))
        }
    }
}

/// An unverified "look at this payment": re-read it, unless it is already final here or the
/// source has spent its budget.
async fn hint(state: Arc<AppState>, source: &str, payment_id: PaymentId) -> HttpResponse {
    if let Ok(Some(status)) = crate::db::payments::status_of(&state.pool, payment_id).await {
        if status.is_final() {
            return HttpResponse::Ok().json(json!({"status": "final"}));
        }
    }
    let Some(permit) = state.hints.admit(source) else {
        tracing::warn!(source, "notification hint refused: over its budget");
        return HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "60"))
            .json(json!({"error": "too_many_hints", "message": "Too many unsigned notifications; try again later."}));
    };
    tracing::info!(%payment_id, "hint: re-reading the payment");
    tokio::spawn(async move {
        let _permit = permit;
        if let Err(e) = reread_once(&state.reconciler, payment_id).await {
            tracing::warn!(%payment_id, error = %e, "hinted re-read failed");
        }
    });
    HttpResponse::Ok().json(json!({"status": "accepted"}))
}
