use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use time::{Date, OffsetDateTime, Time, UtcOffset};

use crate::db::backoffice::{self, AnomalyRow, HistoryRow, OrderFilter, OrderRow, PaymentRow};
use crate::db::orders::Order;
use crate::domain::{OrderId, OrderStatus, PaymentId, PaymentStatus, Site};
use crate::state::AppState;

use super::auth::Admin;
use super::{admin_texts, page, AdminError, AdminTexts};
use crate::i18n::{FormProblem, LocalTime};

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct Query {
    status: Option<String>,
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

impl Query {
    fn filter(&self, state: &AppState) -> Result<OrderFilter, AdminError> {
        let offset = UtcOffset::from_hms(state.site.profile().utc_offset_hours, 0, 0)
            .unwrap_or(UtcOffset::UTC);
        let day = |raw: &Option<String>| -> Result<Option<OffsetDateTime>, AdminError> {
            match raw.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d) => {
                    Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                        .map(|d| Some(d.with_time(Time::MIDNIGHT).assume_offset(offset)))
                        .map_err(|_| {
                            AdminError::BadForm(
                                state.site.lang(),
                                FormProblem::NotADate {
                                    given: d.chars().take(40).collect(),
                                },
                            )
                        })
                }
            }
        };
        let status = self.status.as_deref().and_then(OrderStatus::parse);
        let site = self
            .site
            .as_deref()
            .and_then(|s| Site::parse(s).ok())
            .map(|s| s.id().to_string());
        Ok(OrderFilter {
            status,
            site,
            from: day(&self.from)?,
            until: day(&self.to)?.map(|d| d + time::Duration::days(1)),
            search: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(String::from),
        })
    }

    fn query_string(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                s.append_pair(k, v);
            }
        }
        s.append_pair("page", &page.to_string());
        s.finish()
    }
}

#[derive(Template)]
#[template(path = "admin/orders.html")]
struct OrdersPage {
    t: &'static AdminTexts,
    /// The merchant's clock.
    local: LocalTime,
    lang: &'static str,
    admin: Admin,
    sandbox: bool,
    test_credentials: bool,
    rows: Vec<OrderRow>,
    statuses: Vec<&'static str>,
    status: String,
    sites: Vec<&'static str>,
    site: String,
    from: String,
    to: String,
    q: String,
    previous: Option<String>,
    next: Option<String>,
    csv: String,
}

pub async fn list(
    admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AdminError> {
    let filter = query.filter(&state)?;
    let page_no = query.page.unwrap_or(1).max(1);
    let mut rows = backoffice::orders(
        &state.pool,
        &filter,
        PAGE_SIZE + 1,
        (page_no - 1) * PAGE_SIZE,
    )
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    page(&OrdersPage {
        t: admin_texts(state.site.lang()),
        local: LocalTime::of(state.site),
        lang: state.site.lang().code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        rows,
        statuses: OrderStatus::ALL.iter().map(|s| s.as_str()).collect(),
        status: query.status.clone().unwrap_or_default(),
        sites: Site::ALL.iter().map(|s| s.id()).collect(),
        site: query.site.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        q: query.q.clone().unwrap_or_default(),
        previous: (page_no > 1).then(|| query.query_string(page_no - 1)),
        next: more.then(|| query.query_string(page_no + 1)),
        csv: query.query_string(1),
        admin,
    })
}

/// The filtered list as CSV (all pages), for the merchant's spreadsheet.
pub async fn csv(
    _admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AdminError> {
    let rows = backoffice::orders(&state.pool, &query.filter(&state)?, 100_000, 0).await?;
    let mut out =
        String::from("order_id,created_at,status,currency,total,payment_id,payer_email\n");
    for r in rows {
        let created = r
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.id,
            created,
            r.status,
            r.total.currency(),
            r.total.to_decimal_string(),
            r.payment_id.map(|p| p.to_string()).unwrap_or_default(),
            csv_field(&r.payer_email)
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"orders.csv\""))
        .insert_header(("Cache-Control", "no-store"))
        .body(out))
}

/// Quotes a field, and defuses spreadsheet formulas a payer could have typed.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[derive(Template)]
#[template(path = "admin/order.html")]
struct OrderPage {
    t: &'static AdminTexts,
    /// The merchant's clock.
    local: LocalTime,
    lang: &'static str,
    admin: Admin,
    sandbox: bool,
    test_credentials: bool,
    order: Order,
    payments: Vec<PaymentRow>,
    history: Vec<HistoryRow>,
    anomalies: Vec<AnomalyRow>,
    refundable: Option<(PaymentId, String)>,
    /// Flagged duplicates still approved: (payment, what remains, refund key).
    duplicates: Vec<(PaymentId, String, String)>,
    cancellable: Option<PaymentId>,
    refund_key: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

pub async fn detail(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AdminError> {
    let id = OrderId::parse(&path).ok_or(AdminError::NotFound)?;
    let t = admin_texts(state.site.lang());
    let notice = match notice.notice.as_deref() {
        Some("refunded") => Some(t.refund_done),
        Some("cancelled") => Some(t.cancelled),
        _ => None,
    };
    render_detail(&state, admin, id, notice, None).await
}

pub async fn render_detail(
    state: &AppState,
    admin: Admin,
    id: OrderId,
    notice: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<HttpResponse, AdminError> {
    let order = order_by_id(state, id).await?;
    let payments = backoffice::payments(&state.pool, id.0).await?;
    let refundable = payments
        .iter()
        .rev()
        .find(|p| p.status == PaymentStatus::Approved)
        .and_then(|p| {
            p.amount
                .checked_sub(p.refunded)
                .ok()
                .filter(|r| r.minor() > 0)
                .map(|r| (p.id, r.to_string()))
        });
    let anomalies = backoffice::anomalies(&state.pool, Some(id.0)).await?;
    let duplicates = payments
        .iter()
        .filter(|p| p.status == PaymentStatus::Approved)
        .filter(|p| {
            anomalies
                .iter()
                .any(|a| a.kind == "duplicate_payment" && a.payment_id == Some(p.id))
        })
        .filter_map(|p| {
            let remaining = p.amount.checked_sub(p.refunded).ok()?;
            (remaining.minor() > 0).then(|| {
                (
                    p.id,
                    remaining.to_string(),
                    uuid::Uuid::new_v4().to_string(),
                )
            })
        })
        .collect();
    let cancellable = payments
        .iter()
        .rev()
        .find(|p| p.status.is_cancellable())
        .map(|p| p.id);
    let mut response = page(&OrderPage {
        t: admin_texts(state.site.lang()),
        local: LocalTime::of(state.site),
        lang: state.site.lang().code(),
        sandbox: state.sandbox,
        test_credentials: state.test_credentials,
        history: backoffice::history(&state.pool, id.0).await?,
        anomalies,
        order,
        payments,
        refundable,
        duplicates,
        cancellable,
        refund_key: uuid::Uuid::new_v4().to_string(),
        notice,
        error,
        admin,
    })?;
    if error.is_some() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Any order, by id: the back office sees every shopper's.
pub async fn order_by_id(state: &AppState, id: OrderId) -> Result<Order, AdminError> {
    crate::db::orders::find_any(&state.pool, id)
        .await?
        .ok_or(AdminError::NotFound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(super::csv_field("a@b.co"), "a@b.co");
        assert_eq!(super::csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(super::csv_field("x,\"y\""), "\"x,\"\"y\"\"\"");
    }
}
