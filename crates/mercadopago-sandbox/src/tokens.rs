//! `POST /v1/card_tokens`: the browser tokenizes a card with the public key.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::{bad_request, mp_error, record};
use crate::store::CardToken;
use crate::Sandbox;

pub async fn create(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    body: web::Json<Value>,
) -> HttpResponse {
    record(&sandbox, &req, &json!({"cardholder": body["cardholder"]}));
    if let Some(denied) = crate::auth::check_public_key(&req) {
        return denied;
    }
    if let Some(limited) = crate::auth::rate_limited(&sandbox, &req) {
        return limited;
    }
    let number: String = body["card_number"]
        .as_str()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if !(13..=19).contains(&number.len()) {
        return bad_request(3017, "invalid parameter card_number");
    }
    let name = body["cardholder"]["name"]
        .as_str()
        .unwrap_or("")
        .trim()
        .to_string();
    if name.is_empty() {
        return bad_request(3000, "cardholder name is required");
    }
    let id = format!("{}", uuid::Uuid::new_v4().simple());
    let token = CardToken {
        cardholder: name.clone(),
        first_six: number[..6].to_string(),
        last_four: number[number.len() - 4..].to_string(),
        expiration_month: body["expiration_month"].clone(),
        expiration_year: body["expiration_year"].clone(),
        identification: body["cardholder"]["identification"].clone(),
        used: false,
    };
    let answer = json!({
        "id": id,
        "first_six_digits": token.first_six,
        "last_four_digits": token.last_four,
        "expiration_month": token.expiration_month,
        "expiration_year": token.expiration_year,
        "cardholder": {"name": name, "identification": token.identification},
        "status": "active",
        "date_created": crate::payments::now_text(),
        "luhn_validation": true,
        "live_mode": false,
        "card_number_length": number.len(),
        "security_code_length": 3,
        "require_esc": false,
    });
    sandbox.inner.store.lock().unwrap().tokens.insert(id, token);
    HttpResponse::Created().json(answer)
}

/// `GET /v1/card_tokens/{id}`: what `POST` answered, while the token exists.
pub async fn get(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<String>,
) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = crate::auth::gate(&sandbox, &req) {
        return denied;
    }
    let token = sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .tokens
        .get(path.as_str())
        .cloned();
    match token {
        Some(t) => HttpResponse::Ok().json(json!({
            "id": path.as_str(),
            "first_six_digits": t.first_six,
            "last_four_digits": t.last_four,
            "expiration_month": t.expiration_month,
            "expiration_year": t.expiration_year,
            "cardholder": {"name": t.cardholder, "identification": t.identification},
            "status": if t.used { "used" } else { "active" },
            "live_mode": false,
        })),
        None => mp_error(404, "not_found", "Card Token not found", 2006),
    }
}
