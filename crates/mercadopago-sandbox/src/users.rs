//! `GET /users/me`: the account that owns the access token, as every official SDK reads it
//! (`UserClient.get`). The emulator is one test user of the configured site.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::auth::{gate, record};
use crate::payments::COLLECTOR_ID;
use crate::Sandbox;

/// The main fields of Mercado Pago's answer (sdk-java's `user_base.json` fixture has them all);
/// reputation and billing blocks are left out: nothing a store reads.
pub async fn me(req: HttpRequest, sandbox: web::Data<Sandbox>) -> HttpResponse {
    record(&sandbox, &req, &Value::Null);
    if let Some(denied) = gate(&sandbox, &req) {
        return denied;
    }
    let site = sandbox.inner.config.site_id.as_str();
    HttpResponse::Ok().json(json!({
        "id": COLLECTOR_ID,
        "nickname": format!("TESTUSER{COLLECTOR_ID}"),
        "registration_date": "2026-01-05T10:00:00.000-04:00",
        "first_name": "Test",
        "last_name": "Test",
        "country_id": crate::sites::country(site).unwrap_or(""),
        "email": format!("test_user_{COLLECTOR_ID}@testuser.com"),
        "user_type": "normal",
        "tags": ["normal", "test_user"],
        "site_id": site,
        "status": {"site_status": "active", "mercadopago_tc_accepted": true},
    }))
}
