//! `POST /webhooks/mercadopago`: notifications are pointers. Verify the signature on the raw
//! request, keep the notification (a replay is ignored), answer 200 at once, then re-read the
//! payment from Mercado Pago and apply it, forward only (`reconcile::rereads`).

pub mod signature;

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::reconcile::rereads::Rereads;
use crate::state::AppState;

use signature::{verify, SignedRequest};

pub async fn receive(
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> HttpResponse {
    // Legacy IPN (`?topic=payment&id=`) cannot be signed: it is only a hint to re-read.
    if let (Some(topic), Some(id)) = (query.get("topic"), query.get("id")) {
        if topic == "payment" {
            if let Ok(payment_id) = id.parse::<i64>() {
                tracing::info!(payment_id, "IPN hint: re-reading the payment");
                Rereads::schedule(state.into_inner(), payment_id, None);
            }
        }
        return HttpResponse::Ok().json(json!({"status": "accepted"}));
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let data_id = query.get("data.id").map(String::as_str);
    let signed = SignedRequest {
        x_signature: header("x-signature"),
        x_request_id: header("x-request-id"),
        data_id,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(e) = verify(
        &signed,
        state.webhook_secret.expose_secret().as_bytes(),
        now,
        state.webhook_tolerance,
    ) {
        tracing::warn!(reason = %e, "webhook refused");
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_signature", "message": "The notification's signature is not valid."}));
    }
    let topic = query
        .get("type")
        .or_else(|| query.get("topic"))
        .map(String::as_str)
        .unwrap_or("");
    let payment_id = data_id.and_then(|id| id.parse::<i64>().ok());
    let (Some(payment_id), "payment") = (payment_id, topic) else {
        tracing::info!(topic, "webhook acknowledged: nothing to do for this topic");
        return HttpResponse::Ok().json(json!({"status": "ignored"}));
    };
    let dedupe_key = format!(
        "{}|{}",
        signed.x_signature.unwrap_or(""),
        signed.x_request_id.unwrap_or("")
    );
    let inserted = sqlx::query_scalar!(
        r#"insert into notifications (dedupe_key, topic, data_id, request_id, signed)
           values ($1, $2, $3, $4, true) on conflict (dedupe_key) do nothing returning id"#,
        dedupe_key,
        topic,
        payment_id.to_string(),
        signed.x_request_id
    )
    .fetch_optional(&state.pool)
    .await;
    match inserted {
        Ok(Some(id)) => {
            Rereads::schedule(state.into_inner(), payment_id, Some(id));
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
