use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::backoffice::{self, AnomalyRow, HistoryRow, OrderFilter, OrderRow, PaymentRow};
use crate::db::orders::Order;
use crate::domain::{Money, OrderId, OrderStatus, PaymentId, Site};
use crate::state::AppState;

use super::auth::Admin;
use super::{admin_texts, order_id, page, see, AdminContext, AdminError, AdminTexts};
use crate::i18n::{FormProblem, LocalTime};

const PAGE_SIZE: i64 = 25;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders", web::get().to(list))
        .route("/orders.csv", web::get().to(csv))
        .route("/orders/{id}", web::get().to(detail));
}

#[derive(Deserialize, Default)]
pub struct Query {
    status: Option<String>,
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    /// "1": only paid orders waiting to be shipped.
    to_ship: Option<String>,
    page: Option<i64>,
}

impl Query {
    fn filter(&self, state: &AppState) -> Result<OrderFilter, AdminError> {
        let local = LocalTime::of(state.site);
        let day = |raw: &Option<String>| -> Result<Option<OffsetDateTime>, AdminError> {
            match raw.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d) => {
                    Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                        .map(|d| Some(local.start_of(d)))
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
        let site = self.site.as_deref().and_then(|s| Site::parse(s).ok());
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
            to_ship: self.to_ship.as_deref() == Some("1"),
        })
    }

    fn query_string(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("to_ship", &self.to_ship),
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
    ctx: AdminContext,
    rows: Vec<OrderRow>,
    /// The status filtered on, for the `<select>` over `OrderStatus::ALL`.
    status: Option<OrderStatus>,
    sites: Vec<&'static str>,
    site: String,
    from: String,
    to: String,
    q: String,
    to_ship: bool,
    previous: Option<String>,
    next: Option<String>,
    csv: String,
}

impl OrdersPage {
    fn selected(&self, status: &OrderStatus) -> bool {
        self.status == Some(*status)
    }
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
        ctx: AdminContext::new(&state, admin),
        rows,
        status: filter.status,
        sites: Site::ALL.iter().map(|s| s.id()).collect(),
        site: query.site.clone().unwrap_or_default(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        q: query.q.clone().unwrap_or_default(),
        to_ship: filter.to_ship,
        previous: (page_no > 1).then(|| query.query_string(page_no - 1)),
        next: more.then(|| query.query_string(page_no + 1)),
        csv: query.query_string(1),
    })
}

/// The filtered list as CSV (all pages), for the merchant's spreadsheet.
pub async fn csv(
    _admin: Admin,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AdminError> {
    let rows = backoffice::orders(&state.pool, &query.filter(&state)?, 100_000, 0).await?;
    let mut out = String::from(
        "order_number,order_id,created_at,status,currency,total,payment_id,payer_email,\
         delivery_address,shipping_option,shipping,carrier,tracking_code,shipped_at,delivered_at\n",
    );
    let rfc3339 = |t: &OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    for r in rows {
        let created = rfc3339(&r.created_at);
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}",
            r.number,
            r.id,
            created,
            r.status,
            r.total.currency(),
            r.total.to_decimal_string(),
            r.payment_id.map(|p| p.to_string()).unwrap_or_default(),
            csv_field(&r.payer_email)
        ));
        match &r.delivery {
            Some(d) => out.push_str(&format!(
                ",{},{},{},{},{},{},{}\n",
                csv_field(&d.address),
                csv_field(&d.shipping_name),
                d.shipping.to_decimal_string(),
                csv_field(&d.carrier),
                csv_field(&d.tracking_code),
                d.shipped_at.as_ref().map(rfc3339).unwrap_or_default(),
                d.delivered_at.as_ref().map(rfc3339).unwrap_or_default(),
            )),
            None => out.push_str(",,,,,,,\n"),
        }
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
    ctx: AdminContext,
    order: Order,
    payments: Vec<PaymentRow>,
    history: Vec<HistoryRow>,
    anomalies: Vec<AnomalyRow>,
    refundable: Option<(PaymentId, Money)>,
    /// Flagged duplicates still approved: (payment, what remains, refund key).
    duplicates: Vec<(PaymentId, Money, String)>,
    cancellable: Option<PaymentId>,
    refund_key: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    /// Physical goods: the address, shipping option and fulfilment.
    delivery: Option<crate::db::delivery::Delivery>,
}

/// What the order's page says after an action went through (`?notice=`).
#[derive(Clone, Copy)]
pub enum Notice {
    Refunded,
    Cancelled,
}

impl Notice {
    fn as_str(self) -> &'static str {
        match self {
            Notice::Refunded => "refunded",
            Notice::Cancelled => "cancelled",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [Notice::Refunded, Notice::Cancelled]
            .into_iter()
            .find(|n| n.as_str() == raw)
    }

    fn text(self, t: &AdminTexts) -> &'static str {
        match self {
            Notice::Refunded => t.refund_done,
            Notice::Cancelled => t.cancelled,
        }
    }
}

/// Back to the order's page, which says what was done.
pub fn back_to_order(id: OrderId, notice: Notice) -> HttpResponse {
    see(&format!("/admin/orders/{id}?notice={}", notice.as_str()))
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn detail(
    admin: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse, AdminError> {
    let notice = query.notice.as_deref().and_then(Notice::parse);
    let notice = notice.map(|n| n.text(admin_texts(state.site.lang())));
    render_detail(&state, admin, order_id(&path)?, notice, None).await
}

/// The order's page again, saying why the merchant's action was not taken (422).
pub async fn refused(
    state: &AppState,
    admin: Admin,
    id: OrderId,
    why: fn(&AdminTexts) -> &'static str,
) -> Result<HttpResponse, AdminError> {
    let error = why(admin_texts(state.site.lang()));
    let mut response = render_detail(state, admin, id, None, Some(error)).await?;
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

async fn render_detail(
    state: &AppState,
    admin: Admin,
    id: OrderId,
    notice: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<HttpResponse, AdminError> {
    let order = order_by_id(state, id).await?;
    let payments = backoffice::payments(&state.pool, id.0).await?;
    let anomalies = backoffice::anomalies(&state.pool, Some(id.0)).await?;
    let refundable = backoffice::latest_approved(&payments, None)
        .and_then(|p| p.refundable().map(|r| (p.id, r)));
    let duplicates = payments
        .iter()
        .filter(|p| {
            anomalies
                .iter()
                .any(|a| a.kind == "duplicate_payment" && a.payment_id == Some(p.id))
        })
        .filter_map(|p| {
            p.refundable()
                .map(|remaining| (p.id, remaining, uuid::Uuid::new_v4().to_string()))
        })
        .collect();
    let cancellable = backoffice::latest_cancellable(&payments).map(|p| p.id);
    page(&OrderPage {
        ctx: AdminContext::new(state, admin),
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
        delivery: crate::db::delivery::delivery_of(&state.pool, id).await?,
    })
}

/// Any order, by id: the back office sees every shopper's.
async fn order_by_id(state: &AppState, id: OrderId) -> Result<Order, AdminError> {
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
