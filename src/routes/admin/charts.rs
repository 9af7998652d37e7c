//! The dashboard's pictures: paid revenue per day over 30 days, orders by status and the
//! payment-method mix, as server-drawn SVG (no script). Each has a title and a description
//! for screen readers, and its numbers as a table beside it. Bar lengths come from integer
//! minor units with integer arithmetic: money never passes through a float.

use askama::Template;
use time::{Date, Duration, OffsetDateTime};

use crate::db::charts;
use crate::domain::{Money, OrderStatus};
use crate::i18n::charts::{chart_texts, ChartTexts};
use crate::state::AppState;

use super::{AdminContext, AdminError};

/// The days the revenue chart covers, today included.
pub const DAYS: i64 = 30;
const WIDTH: i64 = 640;

/// What the dashboard shows of its charts.
pub struct Charts {
    pub ct: &'static ChartTexts,
    pub revenue_svg: String,
    /// (day as `dd/mm/yyyy`, revenue), oldest first.
    pub revenue: Vec<(String, Money)>,
    pub status_svg: String,
    pub methods_svg: String,
    /// (method, approved payments, amount), the largest amount first.
    pub methods: Vec<(String, i64, Money)>,
}

/// One chart: rectangles and labels laid out here, drawn by `admin/chart.html`.
#[derive(Template)]
#[template(path = "admin/chart.html")]
struct Svg<'a> {
    id: &'a str,
    title: &'a str,
    desc: &'a str,
    height: i64,
    width: i64,
    rects: Vec<Rect>,
    labels: Vec<Label>,
    /// The baseline or axis: (x1, y1, x2, y2).
    axis: (i64, i64, i64, i64),
}

struct Rect {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

struct Label {
    x: i64,
    y: i64,
    anchor: &'static str,
    text: String,
}

/// `value`'s share of `len` pixels, where `max` fills them: integers only, and a value above
/// zero never vanishes.
pub fn scale(value: i64, max: i64, len: i64) -> i64 {
    if max <= 0 || value <= 0 {
        return 0;
    }
    let scaled = (i128::from(value) * i128::from(len) / i128::from(max)) as i64;
    scaled.max(1)
}

fn render(svg: &Svg) -> Result<String, AdminError> {
    svg.render().map_err(|e| AdminError::Unexpected(e.into()))
}

fn dd_mm(day: Date) -> String {
    format!("{:02}/{:02}", day.day(), u8::from(day.month()))
}

fn dd_mm_yyyy(day: Date) -> String {
    format!("{}/{}", dd_mm(day), day.year())
}

pub async fn charts(
    state: &AppState,
    ctx: &AdminContext,
    by_status: &[(OrderStatus, i64)],
) -> Result<Charts, AdminError> {
    let ct = chart_texts(state.site.lang());
    let currency = state.site.currency();
    let money = |minor: i64| {
        Money::from_minor(minor, currency).map_err(|e| AdminError::Unexpected(e.into()))
    };
    let today = ctx.local.day(&OffsetDateTime::now_utc());
    let first = today - Duration::days(DAYS - 1);
    let since = ctx.local.start_of(first);

    // Revenue per local day.
    let mut per_day = vec![0i64; DAYS as usize];
    for (hour, total) in charts::paid_by_hour(&state.pool, currency, since).await? {
        let index = (ctx.local.day(&hour) - first).whole_days();
        if let Some(sum) = usize::try_from(index).ok().and_then(|i| per_day.get_mut(i)) {
            *sum = sum
                .checked_add(total)
                .ok_or_else(|| AdminError::Unexpected(anyhow::anyhow!("revenue overflows")))?;
        }
    }
    let days: Vec<Date> = (0..DAYS).map(|i| first + Duration::days(i)).collect();
    let max = per_day.iter().copied().max().unwrap_or(0);
    let total = per_day
        .iter()
        .try_fold(0i64, |a, b| a.checked_add(*b))
        .ok_or_else(|| AdminError::Unexpected(anyhow::anyhow!("revenue overflows")))?;
    let (top, base) = (24, 200);
    let mut rects = Vec::new();
    let mut labels = vec![Label {
        x: 4,
        y: 14,
        anchor: "start",
        text: format!("{} {}", ct.highest, money(max)?),
    }];
    for (i, (day, minor)) in days.iter().zip(&per_day).enumerate() {
        let i = i as i64;
        let h = scale(*minor, max, base - top);
        rects.push(Rect {
            x: 20 + i * 20,
            y: base - h,
            w: 14,
            h,
        });
        if (DAYS - 1 - i) % 7 == 0 {
            labels.push(Label {
                x: 27 + i * 20,
                y: base + 18,
                anchor: "middle",
                text: dd_mm(*day),
            });
        }
    }
    let best = days
        .iter()
        .zip(&per_day)
        .rev()
        .max_by_key(|(_, minor)| **minor)
        .map(|(day, minor)| (*day, *minor));
    let revenue_desc = match best {
        Some((day, minor)) if total > 0 => ct
            .revenue_desc
            .replace("{total}", &money(total)?.to_string())
            .replace("{days}", &DAYS.to_string())
            .replace("{best_day}", &dd_mm_yyyy(day))
            .replace("{best}", &money(minor)?.to_string()),
        _ => ct.revenue_empty.to_string(),
    };
    let revenue_svg = render(&Svg {
        id: "revenue",
        title: ct.revenue_title,
        desc: &revenue_desc,
        width: WIDTH,
        height: base + 26,
        rects,
        labels,
        axis: (16, base, 20 + DAYS * 20, base),
    })?;

    // Orders by status.
    let orders: i64 = by_status.iter().map(|(_, n)| n).sum();
    let rows: Vec<(String, i64, String)> = by_status
        .iter()
        .map(|(status, n)| (ctx.t.order_status(status).to_string(), *n, n.to_string()))
        .collect();
    let status_svg = render(&horizontal(
        "status",
        ct.status_title,
        &ct.status_desc.replace("{orders}", &orders.to_string()),
        &rows,
    ))?;

    // Payment methods.
    let methods = charts::approved_by_method(&state.pool, currency, since).await?;
    let payments: i64 = methods.iter().map(|m| m.count).sum();
    let mut method_rows = Vec::new();
    let mut methods_table = Vec::new();
    for m in methods {
        let amount = money(m.total_minor)?;
        method_rows.push((
            m.method.clone(),
            m.total_minor,
            format!("{amount} ({})", m.count),
        ));
        methods_table.push((m.method, m.count, amount));
    }
    let methods_desc = if payments == 0 {
        ct.methods_empty.to_string()
    } else {
        ct.methods_desc
            .replace("{payments}", &payments.to_string())
            .replace("{days}", &DAYS.to_string())
    };
    let methods_svg = render(&horizontal(
        "methods",
        ct.methods_title,
        &methods_desc,
        &method_rows,
    ))?;

    Ok(Charts {
        ct,
        revenue_svg,
        revenue: days
            .iter()
            .zip(per_day)
            .map(|(day, minor)| Ok((dd_mm_yyyy(*day), money(minor)?)))
            .collect::<Result<_, AdminError>>()?,
        status_svg,
        methods_svg,
        methods: methods_table,
    })
}

/// Horizontal bars: one row per (label, value, value as text).
fn horizontal<'a>(
    id: &'a str,
    title: &'a str,
    desc: &'a str,
    rows: &[(String, i64, String)],
) -> Svg<'a> {
    const ROW: i64 = 28;
    const BAR_X: i64 = 180;
    const BAR_LEN: i64 = 300;
    let max = rows.iter().map(|(_, v, _)| *v).max().unwrap_or(0);
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    for (i, (label, value, text)) in rows.iter().enumerate() {
        let y = 6 + i as i64 * ROW;
        let w = scale(*value, max, BAR_LEN);
        rects.push(Rect {
            x: BAR_X,
            y,
            w,
            h: ROW - 8,
        });
        labels.push(Label {
            x: BAR_X - 8,
            y: y + 15,
            anchor: "end",
            text: label.clone(),
        });
        labels.push(Label {
            x: BAR_X + w + 6,
            y: y + 15,
            anchor: "start",
            text: text.clone(),
        });
    }
    let height = (rows.len() as i64 * ROW + 10).max(30);
    Svg {
        id,
        title,
        desc,
        width: WIDTH,
        height,
        rects,
        labels,
        axis: (BAR_X, 2, BAR_X, height - 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_with_integers() {
        assert_eq!(scale(5_000, 10_000, 176), 88);
        assert_eq!(scale(10_000, 10_000, 176), 176);
        assert_eq!(scale(1, 10_000_000, 176), 1, "a sale never vanishes");
        assert_eq!(scale(0, 10_000, 176), 0);
        assert_eq!(scale(i64::MAX, i64::MAX, 176), 176, "no overflow");
    }
}
