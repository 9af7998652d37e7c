//! Logs as `tracing` events, one span per request carrying its request id.
//!
//! What never reaches a log: the access token and webhook secret (`SecretString`), card
//! tokens (`CardToken`'s `Debug` hides it), whole emails (`Email` masks itself), cookies
//! and request bodies (nothing here records headers or bodies).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing_actix_web::RequestId;
use tracing_subscriber::EnvFilter;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// An error and its sources joined by `separator`: the top error of reqwest or sqlx says
/// little ("error sending request"); the cause (DNS, TLS, the refused connection) is below it.
pub fn cause_chain(e: &dyn std::error::Error, separator: &str) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(separator);
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Installs the global subscriber once; `RUST_LOG` overrides the default levels.
/// For one-shot commands (`doctor`, `healthcheck`): only errors, on standard error, so the
/// command's own report on standard output stays readable.
pub fn init_for_command() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// The request's root span, as tracing-actix-web's default builds it, except that the target
/// keeps only the query's parameter names: a signed order link (`/orders/{id}?t=…`) is a
/// bearer token for 30 days, and every event of the request prints its span's fields.
pub struct RedactedRootSpan;

impl tracing_actix_web::RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %redacted_target(request.path(), request.query_string()),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// `/orders/1?t=abc&x=1` → `/orders/1?t=…&x=…`.
fn redacted_target(path: &str, query: &str) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let names: Vec<String> = query
        .split('&')
        .map(|pair| format!("{}=…", pair.split('=').next().unwrap_or("")))
        .collect();
    format!("{path}?{}", names.join("&"))
}

/// Echoes the request id of the request's span, so a shopper's report can be found in the logs.
pub async fn echo_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::{cause_chain, redacted_target};

    #[test]
    fn targets_keep_no_query_values() {
        assert_eq!(redacted_target("/orders/1", ""), "/orders/1");
        assert_eq!(
            redacted_target("/orders/1", "t=1767225600.c2lnbmF0dXJl&x=1"),
            "/orders/1?t=…&x=…"
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("error sending request")]
    struct Top(#[source] std::io::Error);

    #[test]
    fn the_cause_chain_names_every_source_in_order() {
        let e = Top(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ));
        assert_eq!(
            cause_chain(&e, ": "),
            "error sending request: connection refused"
        );
        let alone = std::io::Error::other("alone");
        assert_eq!(cause_chain(&alone, " / "), "alone");
    }
}
