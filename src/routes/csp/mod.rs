//! `POST /csp-report`: browsers report what the Content-Security-Policy blocked (or, in
//! report-only mode, would have blocked). Each report is logged, within a budget per minute,
//! so a page that violates on every load cannot flood the log (`security::csp::ReportBudget`).
//!
//! Two formats arrive: `report-uri` posts `{"csp-report": {...}}` (`application/csp-report`),
//! the Reporting API posts a list of `{"type": "csp-violation", "body": {...}}`.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use crate::state::AppState;

/// A report is a few hundred bytes; a batch of them a few kilobytes.
pub const MAX_BODY: usize = 64 * 1024;

pub async fn report(state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().json(
            serde_json::json!({"error": "bad_report", "message": "A CSP report must be JSON."}),
        );
    };
    let reports: Vec<&Value> = match &json {
        Value::Array(items) => items.iter().filter_map(|i| i.get("body")).collect(),
        other => other.get("csp-report").into_iter().collect(),
    };
    for r in reports {
        let (log, dropped_before) = state.csp_reports.take();
        if dropped_before > 0 {
            tracing::warn!(
                dropped = dropped_before,
                "CSP reports over the budget in the last minute were not logged"
            );
        }
        if !log {
            continue;
        }
        let field = |names: &[&str]| -> String {
            let raw = names
                .iter()
                .find_map(|n| r.get(*n))
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            // Addresses can carry query strings (order ids, tokens): the path is enough.
            let raw = raw.split(['?', '#']).next().unwrap_or("").to_string();
            raw.chars().take(200).collect()
        };
        tracing::warn!(
            directive = %field(&["effectiveDirective", "effective-directive", "violated-directive"]),
            blocked = %field(&["blockedURL", "blocked-uri"]),
            page = %field(&["documentURL", "document-uri"]),
            source = %field(&["sourceFile", "source-file"]),
            line = %field(&["lineNumber", "line-number"]),
            disposition = %field(&["disposition"]),
            "content security policy violation"
        );
    }
    HttpResponse::NoContent().finish()
}
