use actix_web::{web, HttpResponse};
use askama::Template;

use crate::db::backoffice::{self, AnomalyRow, Dashboard};
use crate::state::AppState;

use super::auth::Admin;
use super::{admin_texts, page, AdminError, AdminTexts};

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    t: &'static AdminTexts,
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
        lang: state.site.lang().code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        d: backoffice::dashboard(&state.pool, state.site.currency()).await?,
        anomalies: backoffice::anomalies(&state.pool, None).await?,
        admin,
    })
}
