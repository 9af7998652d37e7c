use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::backoffice::{self, AnomalyRow, Dashboard};
use crate::state::AppState;

use super::auth::{Admin, AdminForm, CsrfForm};
use super::charts::{charts, Charts};
use super::{page, see, AdminContext, AdminError};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(dashboard))
        .route("/anomalies/{id}/resolve", web::post().to(resolve_anomaly));
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    ctx: AdminContext,
    d: Dashboard,
    anomalies: Vec<AnomalyRow>,
    charts: Charts,
}

pub async fn dashboard(
    admin: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    let ctx = AdminContext::new(&state, admin);
    let d = backoffice::dashboard(&state.pool, state.site.currency()).await?;
    let charts = charts(&state, &ctx, &d.by_status).await?;
    page(&DashboardPage {
        ctx,
        d,
        anomalies: backoffice::anomalies(&state.pool, None).await?,
        charts,
    })
}

/// "Handled": the merchant looked into an anomaly (refunded a duplicate, checked a payment
/// with no order); it leaves the dashboard and stops the "anomaly open" alert.
pub async fn resolve_anomaly(
    AdminForm { admin, .. }: AdminForm<CsrfForm>,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AdminError> {
    let id = path.into_inner();
    let order = backoffice::resolve_anomaly(&state.pool, id, admin.id)
        .await?
        .ok_or(AdminError::NotFound)?;
    tracing::info!(
        anomaly_id = id,
        admin_id = admin.id,
        "anomaly marked handled"
    );
    Ok(see(&match order {
        Some(order) => format!("/admin/orders/{order}"),
        None => "/admin".to_string(),
    }))
}
