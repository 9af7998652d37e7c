//! What the emulator shows a browser: the stand-in Brick script, the wallet checkout a
//! preference's `init_point` leads to, and vouchers for tickets, ATM, Pix and PSE.

use actix_web::http::header::LOCATION;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::payments::set_status;
use crate::preferences::PayError;
use crate::Sandbox;

const BRICK_JS: &str = include_str!("brick.js");

/// A QR-code-looking PNG for Pix (the sandbox's codes pay nothing, so none scans).
pub const QR_PNG_BASE64: &str = include_str!("qr.png.b64");

pub async fn brick_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(BRICK_JS)
}

#[derive(Template)]
#[template(path = "sandbox/wallet.html")]
struct WalletPage {
    preference_id: String,
    total: String,
    items: Vec<String>,
    action: String,
}

#[derive(Deserialize)]
pub struct PrefQuery {
    pref_id: String,
}

pub async fn wallet_checkout(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    query: web::Query<PrefQuery>,
) -> HttpResponse {
    let preference = match crate::preferences::payable(&sandbox, &query.pref_id) {
        Ok(p) => p,
        Err(refusal) => return refused(refusal),
    };
    let total = crate::preferences::total(&sandbox, &preference)
        .map(|t| {
            format!(
                "{} {}",
                t.to_decimal_string(),
                sandbox.inner.config.currency_id
            )
        })
        .unwrap_or_default();
    let mut items = vec![];
    for item in preference["items"].as_array().into_iter().flatten() {
        let quantity = item["quantity"].as_i64().unwrap_or(1);
        items.push(format!(
            "{quantity} × {}",
            item["title"].as_str().unwrap_or("")
        ));
    }
    page(&WalletPage {
        preference_id: query.pref_id.clone(),
        total,
        items,
        action: req.path().to_string(),
    })
}

#[derive(Deserialize)]
pub struct WalletDecision {
    pref_id: String,
    decision: String,
}

/// Pays (or fails) the preference, then goes back to the store like Mercado Pago does.
pub async fn wallet_pay(
    sandbox: web::Data<Sandbox>,
    form: web::Form<WalletDecision>,
) -> HttpResponse {
    let approve = form.decision == "approve";
    let payment = match crate::preferences::pay(&sandbox, &form.pref_id, approve) {
        Ok(p) => p,
        Err(refusal) => return refused(refusal),
    };
    let preference = sandbox
        .inner
        .store
        .lock()
        .unwrap()
        .preferences
        .get(&form.pref_id)
        .cloned()
        .unwrap_or_default();
    let back = if approve {
        &preference["back_urls"]["success"]
    } else {
        &preference["back_urls"]["failure"]
    };
    let Some(back) = back.as_str().filter(|u| !u.is_empty()) else {
        return HttpResponse::Ok().body("paid; the preference has no back URL");
    };
    let status = payment["status"].as_str().unwrap_or("");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("collection_id", &payment["id"].to_string())
        .append_pair("collection_status", status)
        .append_pair("payment_id", &payment["id"].to_string())
        .append_pair("status", status)
        .append_pair(
            "external_reference",
            payment["external_reference"].as_str().unwrap_or(""),
        )
        .append_pair("payment_type", "account_money")
        .append_pair("preference_id", &form.pref_id)
        .append_pair("site_id", &sandbox.inner.config.site_id)
        .finish();
    let joiner = if back.contains('?') { '&' } else { '?' };
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("{back}{joiner}{query}")))
        .finish()
}

#[derive(Template)]
#[template(path = "sandbox/voucher.html")]
struct VoucherPage {
    id: i64,
    method: String,
    amount: String,
    currency: String,
    reference: String,
    expires: String,
    status: String,
    pending: bool,
}

pub async fn voucher(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<i64>,
) -> HttpResponse {
    let id = path.into_inner();
    if req.method() == actix_web::http::Method::POST {
        set_status(&sandbox, id, "approved", "accredited");
        return HttpResponse::SeeOther()
            .insert_header((LOCATION, req.path().to_string()))
            .finish();
    }
    let Some(p) = sandbox.payment(id) else {
        return HttpResponse::NotFound().body("no such payment");
    };
    let text = |v: &serde_json::Value| {
        v.as_str()
            .map(String::from)
            .unwrap_or_else(|| v.to_string())
    };
    page(&VoucherPage {
        id,
        method: text(&p["payment_method_id"]),
        amount: p["transaction_amount"].to_string(),
        currency: text(&p["currency_id"]),
        reference: text(&p["transaction_details"]["payment_method_reference_id"]),
        expires: text(&p["date_of_expiration"]),
        status: format!("{} / {}", text(&p["status"]), text(&p["status_detail"])),
        pending: p["status"] == "pending",
    })
}

/// A preference that cannot be paid: unknown (404) or outside its expiration dates (400).
fn refused(why: PayError) -> HttpResponse {
    match why {
        PayError::NotFound => HttpResponse::NotFound().body("no such preference"),
        PayError::Expired => HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body("preference_expired: this payment link has expired"),
    }
}

fn page(t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(html) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// What the stand-in Status Screen Brick reads with the public key (the real Brick reads the
/// payment from Mercado Pago the same way): the status and what a shopper may see, no more.
pub async fn status_screen(
    req: HttpRequest,
    sandbox: web::Data<Sandbox>,
    path: web::Path<i64>,
) -> HttpResponse {
    if let Some(denied) = crate::auth::check_public_key(&req) {
        return denied;
    }
    let Some(p) = sandbox.payment(path.into_inner()) else {
        return crate::auth::not_found("Payment not found");
    };
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({
            "id": p["id"],
            "status": p["status"],
            "status_detail": p["status_detail"],
            "transaction_amount": p["transaction_amount"],
            "currency_id": p["currency_id"],
            "payment_method_id": p["payment_method_id"],
            "payment_type_id": p["payment_type_id"],
            "last_four_digits": p["card"]["last_four_digits"],
            "date_created": p["date_created"],
        }))
}
