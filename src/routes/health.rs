//! `/healthz`: the process answers (for a container's liveness check: a database outage must
//! not get the store restarted). `/readyz`: the store can take shoppers: the database answers,
//! every migration this build knows is applied, and it is not stopping (for a load balancer).

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db;
use crate::state::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let unavailable = |status: &str| {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"status": status}))
    };
    if state.is_draining() {
        return unavailable("stopping");
    }
    // Its own bound: the pool's wait is long on purpose (shoppers queue there), but a load
    // balancer asking should hear quickly that the database does not answer.
    let pending = tokio::time::timeout(READY_WITHIN, db::migrations::pending(&state.pool)).await;
    match pending.unwrap_or(Err(sqlx::Error::PoolTimedOut)) {
        Ok(0) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"status": "ready"})),
        Ok(pending) => {
            tracing::warn!(pending, "not ready: migrations not applied");
            unavailable("migrations pending")
        }
        Err(e) => {
            tracing::error!(error = %e, "not ready: database unavailable");
            unavailable("database unavailable")
        }
    }
}
