use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::backoffice::{self, AnomalyRow, Dashboard};
use crate::state::AppState;

use super::auth::{Admin, CsrfForm};
use super::{admin_texts, page, see, AdminError, AdminTexts};
use crate::i18n::LocalTime;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    t: &'static AdminTexts,
    /// The merchant's clock.
    local: LocalTime,
    lang: &'static str,
    admin: Admin,
    sandbox: bool,
    test_credentials: bool,
    d: Dashboard,
    anomalies: Vec<AnomalyRow>,
}

pub async fn dashboard(
    admin: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AdminError> {
    page(&DashboardPage {
        t: admin_texts(state.site.lang()),
        local: LocalTime::of(state.site),
        lang: state.site.lang().code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        d: backoffice::dashboard(&state.pool, state.site.currency()).await?,
        anomalies: backoffice::anomalies(&state.pool, None).await?,
        admin,
    })
}

/// "Handled": the merchant looked into an anomaly (refunded a duplicate, checked a payment
/// with no order); it leaves the dashboard and stops the "anomaly open" alert.
pub async fn resolve_anomaly(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AdminError> {
    admin.check_csrf(&form.csrf_token)?;
    let id = path.into_inner();
    match backoffice::resolve_anomaly(&state.pool, id, admin.id).await? {
        Some(order) => {
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
        None => Err(AdminError::NotFound),
    }
}
