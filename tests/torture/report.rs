//! What a seed's run prints: the faults injected, what shoppers were answered, each
//! invariant's count, and for each violation the order's whole story.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use sqlx::{PgPool, Row};

use crate::invariants::{Facts, Violation, NAMES};
use crate::shopper::Story;

/// How many violating orders a seed prints in full (`TORTURE_STORIES` to change).
fn stories_shown() -> usize {
    std::env::var("TORTURE_STORIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12)
}

pub struct Run {
    pub seed: u64,
    pub shoppers: usize,
    pub faults_supported: bool,
    pub faults_log: Option<Vec<Value>>,
    pub stories: Vec<Story>,
    pub facts: Facts,
    pub violations: Vec<Violation>,
    /// Seconds spent settling and whether everything settled.
    pub settle: (u64, bool, (i64, i64)),
    pub seconds: u64,
}

fn counted<I: IntoIterator<Item = String>>(items: I) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for item in items {
        *map.entry(item).or_default() += 1;
    }
    map
}

fn line(out: &mut String, title: &str, map: &BTreeMap<String, usize>) {
    let parts: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = writeln!(out, "  {title}: {}", parts.join(" "));
}

/// The summary of a seed (no per-order stories).
pub fn summary(run: &Run) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "== torture seed {} · {} shoppers · {} s · settled {} in {} s (unknown/processing orders {}, unprocessed notifications {})",
        run.seed, run.shoppers, run.seconds, run.settle.1, run.settle.0, run.settle.2 .0, run.settle.2 .1
    );
    match (&run.faults_log, run.faults_supported) {
        (Some(log), _) => line(
            &mut out,
            &format!("faults injected ({})", log.len()),
            &counted(
                log.iter()
                    .map(|f| f["kind"].as_str().unwrap_or("?").to_string()),
            ),
        ),
        (None, true) => out.push_str("  faults on; no fault log\n"),
        (None, false) => {
            out.push_str("  faults not supported by the emulator: ran with faults off\n")
        }
    }
    line(
        &mut out,
        "behaviours",
        &counted(run.stories.iter().map(|s| format!("{:?}", s.behaviour))),
    );
    line(
        &mut out,
        "store answers",
        &counted(run.stories.iter().flat_map(|s| {
            s.steps
                .iter()
                .filter(|s| s.to_store)
                .map(|s| match &s.error {
                    Some(code) => format!("{}:{code}", s.status),
                    None => s.status.to_string(),
                })
        })),
    );
    line(
        &mut out,
        "orders",
        &counted(run.facts.orders.values().map(|o| o.status.clone())),
    );
    line(
        &mut out,
        "mp payments",
        &counted(run.facts.mp_payments.iter().map(|p| p.status.clone())),
    );
    for name in NAMES {
        let n = run
            .violations
            .iter()
            .filter(|v| v.invariant == name)
            .count();
        let _ = writeln!(out, "  {name}: {n}");
    }
    if !run.violations.is_empty() {
        let behaviour_of = |order: &Option<String>| {
            run.stories
                .iter()
                .find(|s| s.order_id.is_some() && s.order_id == *order)
                .map(|s| format!("{:?}", s.behaviour))
                .unwrap_or_else(|| "-".into())
        };
        line(
            &mut out,
            "violations by invariant and behaviour",
            &counted(run.violations.iter().map(|v| {
                let short = v.invariant.split(' ').next().unwrap_or("");
                format!("{short}/{}", behaviour_of(&v.order_id))
            })),
        );
    }
    out
}

/// Each violating order's story (requests, faults, history).
pub async fn full(run: &Run, pool: &PgPool, mp_requests: &[Value]) -> String {
    let mut out = format!(
        "== seed {}: {} violations\n",
        run.seed,
        run.violations.len()
    );
    let mut by_order: BTreeMap<String, Vec<&Violation>> = BTreeMap::new();
    for v in &run.violations {
        let key = v.order_id.clone().unwrap_or_else(|| "(no order)".into());
        by_order.entry(key).or_default().push(v);
    }
    for (shown, (order_id, violations)) in by_order.iter().enumerate() {
        if shown == stories_shown() {
            let _ = writeln!(
                out,
                "  ... and {} more violating orders (TORTURE_STORIES=n shows more)",
                by_order.len() - shown
            );
            break;
        }
        let _ = writeln!(out, "\n  -- order {order_id}");
        for v in violations {
            let _ = writeln!(out, "  VIOLATION {}: {}", v.invariant, v.detail);
        }
        out.push_str(&order_story(run, pool, mp_requests, order_id).await);
    }
    out
}

/// The rows `sql` selects for the order (`$1`); none if the database cannot say.
async fn order_rows(pool: &PgPool, sql: &str, order_id: &str) -> Vec<sqlx::postgres::PgRow> {
    sqlx::query(sql)
        .bind(order_id)
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

async fn order_story(run: &Run, pool: &PgPool, mp_requests: &[Value], order_id: &str) -> String {
    let mut out = String::new();
    for story in run
        .stories
        .iter()
        .filter(|s| s.order_id.as_deref() == Some(order_id))
    {
        let _ = write!(out, "  {}", story.render());
    }
    let ids: Vec<i64> = run
        .facts
        .payments_of(order_id)
        .iter()
        .map(|p| p.id)
        .collect();
    for p in run.facts.payments_of(order_id) {
        let _ = writeln!(
            out,
            "  mp payment {} {}/{} amount {} refunded {}",
            p.id, p.status, p.status_detail, p.amount, p.refunded
        );
    }
    let _ = writeln!(out, "  mp requests:");
    for r in mp_requests.iter().filter(|r| {
        r["body"]["external_reference"] == order_id
            || r["body"]["metadata"]["order_id"] == order_id
            || r["query"].as_str().is_some_and(|q| q.contains(order_id))
            || ids.iter().any(|id| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.split('/').any(|seg| seg.parse() == Ok(*id)))
            })
    }) {
        let _ = writeln!(
            out,
            "    {} {}{} key={} attempt={}",
            r["method"].as_str().unwrap_or(""),
            r["path"].as_str().unwrap_or(""),
            r["query"]
                .as_str()
                .filter(|q| !q.is_empty())
                .map(|q| format!("?{q}"))
                .unwrap_or_default(),
            r["idempotency_key"].as_str().unwrap_or("-"),
            r["body"]["metadata"]["attempt"]
        );
    }
    if let Some(log) = &run.faults_log {
        let _ = writeln!(out, "  faults:");
        for f in log.iter().filter(|f| {
            f["external_reference"] == order_id
                || ids.iter().any(|id| f["payment_id"].as_i64() == Some(*id))
        }) {
            let _ = writeln!(out, "    {f}");
        }
    }
    let _ = writeln!(out, "  store payments:");
    let rows = order_rows(
        pool,
        "select id, attempt_no, status, status_detail, amount_minor, refunded_minor from payments
         where order_id::text = $1 order by created_at",
        order_id,
    )
    .await;
    for r in rows {
        let _ = writeln!(
            out,
            "    {} attempt {:?} {}/{} amount {} refunded {}",
            r.get::<i64, _>("id"),
            r.get::<Option<i32>, _>("attempt_no"),
            r.get::<String, _>("status"),
            r.get::<String, _>("status_detail"),
            r.get::<i64, _>("amount_minor"),
            r.get::<i64, _>("refunded_minor"),
        );
    }
    let _ = writeln!(out, "  order history:");
    let rows = order_rows(pool, "select from_status, to_status, source, payment_id, note, to_char(created_at, 'HH24:MI:SS.MS') as at
         from order_history where order_id::text = $1 order by id", order_id).await;
    for r in rows {
        let _ = writeln!(
            out,
            "    {} {} -> {} by {} payment {:?} {}",
            r.get::<String, _>("at"),
            r.get::<String, _>("from_status"),
            r.get::<String, _>("to_status"),
            r.get::<String, _>("source"),
            r.get::<Option<i64>, _>("payment_id"),
            r.get::<Option<String>, _>("note").unwrap_or_default(),
        );
    }
    out
}
