//! What the dashboard's charts draw: paid revenue by hour (the page buckets it into the
//! site's days) and approved payments by method.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::domain::Currency;

/// Paid orders' totals (minor units) by the UTC hour they were paid, since `since`. Paid
/// means paid now (or partly refunded since); the moment is when the order became paid.
/// Every site's time zone is a whole number of hours off UTC, so hours bucket into local days.
pub async fn paid_by_hour(
    pool: &PgPool,
    currency: Currency,
    since: OffsetDateTime,
) -> Result<Vec<(OffsetDateTime, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select date_trunc('hour', paid_at) as "hour!", sum(total_minor)::bigint as "total!"
           from (select o.total_minor,
                        coalesce((select min(h.created_at) from order_history h
                                  where h.order_id = o.id and h.to_status = 'paid'), o.updated_at) as paid_at
                 from orders o
                 where o.status in ('paid', 'partially_refunded') and o.currency = $1) paid
           where paid_at >= $2
           group by 1 order by 1"#,
        currency.code(),
        since
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.hour, r.total)).collect())
}

/// Approved payments since `since`, by method.
pub struct MethodRow {
    pub method: String,
    pub count: i64,
    pub total_minor: i64,
}

pub async fn approved_by_method(
    pool: &PgPool,
    currency: Currency,
    since: OffsetDateTime,
) -> Result<Vec<MethodRow>, sqlx::Error> {
    sqlx::query_as!(
        MethodRow,
        r#"select payment_method_id as method, count(*) as "count!", sum(amount_minor)::bigint as "total_minor!"
           from payments
           where status = 'approved' and currency = $1 and created_at >= $2
           group by payment_method_id order by 3 desc, 1"#,
        currency.code(),
        since
    )
    .fetch_all(pool)
    .await
}
