use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::error::{Cause, MpError};
use super::types::{
    Account, CreatePayment, CreatePreference, IdentificationType, Payment, Preference, SearchResult,
};
use crate::domain::{PaymentId, PaymentStatus};
use crate::metrics::{CallError, Metrics};

const POOL_IDLE: Duration = Duration::from_secs(4);

const DEFAULT_IN_FLIGHT: usize = 1_024;
const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(10);

/// One shared HTTP client for every call: connection reuse, and timeouts that bound how long
/// a shopper waits on Mercado Pago.
#[derive(Clone)]
pub struct MercadoPagoClient {
    http: reqwest::Client,
    base: Url,
    access_token: SecretString,
    metrics: Arc<Metrics>,
    /// Calls in flight at once; the others queue for a permit. Thousands of shoppers paying
    /// at once would otherwise open as many sockets and buffers to Mercado Pago as there are
    /// shoppers, when a few hundred carry the throughput the database allows.
    in_flight: Arc<tokio::sync::Semaphore>,
    max_in_flight: usize,
    /// How long a call waits for a permit before it gives up unsent (`MpError::Busy`).
    queue_wait: Duration,
}

impl MercadoPagoClient {
    pub fn new(
        base: Url,
        access_token: SecretString,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            // Below the shortest server keep-alive we know (actix's 5 s, which the emulator
            // uses), so a pooled connection is dropped by us before the server closes it.
            .pool_idle_timeout(POOL_IDLE)
            .user_agent(concat!("checkout/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base,
            access_token,
            metrics: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(DEFAULT_IN_FLIGHT)),
            max_in_flight: DEFAULT_IN_FLIGHT,
            queue_wait: DEFAULT_QUEUE_WAIT,
        })
    }

    /// At most `calls` in flight at once (`MP_MAX_CONCURRENT_CALLS`); a call that finds them
    /// all taken waits up to `queue_wait` (`MP_QUEUE_WAIT_SECS`) for its turn.
    pub fn with_max_in_flight(self, calls: usize, queue_wait: Duration) -> Self {
        let calls = calls.max(1);
        Self {
            in_flight: Arc::new(tokio::sync::Semaphore::new(calls)),
            max_in_flight: calls,
            queue_wait,
            ..self
        }
    }

    /// Counts every call into the application's metrics.
    pub fn with_metrics(self, metrics: Arc<Metrics>) -> Self {
        Self { metrics, ..self }
    }

    /// The metrics this client counts into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    /// `POST /v1/payments`. The same idempotency key always yields the same payment.
    #[tracing::instrument(name = "mercadopago.create_payment", skip_all, fields(external_reference = %body.external_reference))]
    /// `device_id` is MercadoPago.js's device fingerprint (`X-meli-session-id`), for fraud scoring.
    pub async fn create_payment(
        &self,
        body: &CreatePayment,
        idempotency_key: &str,
        device_id: Option<&str>,
    ) -> Result<Payment, MpError> {
        let body = serde_json::to_string(body)
            .map_err(|e| MpError::Transport(format!("payment body: {e}")))?;
        self.post_payment(&body, idempotency_key, device_id).await
    }

    /// `POST /v1/payments` with a body exactly as an earlier call sent it, under that call's
    /// idempotency key: Mercado Pago answers with the payment it made then, if it made one.
    #[tracing::instrument(name = "mercadopago.resend_payment", skip_all)]
    pub async fn resend_payment(
        &self,
        body: &str,
        idempotency_key: &str,
    ) -> Result<Payment, MpError> {
        self.post_payment(body, idempotency_key, None).await
    }

    /// The body goes as these exact bytes, so every call of one attempt is byte-identical.
    async fn post_payment(
        &self,
        body: &str,
        idempotency_key: &str,
        device_id: Option<&str>,
    ) -> Result<Payment, MpError> {
        let mut request = self
            .http
            .post(self.url("/v1/payments"))
            .bearer_auth(self.access_token.expose_secret())
            .header("X-Idempotency-Key", idempotency_key)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(device_id) = device_id {
            request = request.header("X-meli-session-id", device_id);
        }
        let value = self.send(request).await?;
        Payment::from_value(value).map_err(|e| MpError::Transport(format!("payment: {e}")))
    }

    /// `GET /v1/payments/search` by `date_last_updated`, oldest first: the payments that
    /// changed in `[begin, end]`, one page of at most `limit` from `offset`.
    #[tracing::instrument(name = "mercadopago.search_updated", skip(self))]
    pub async fn payments_updated(
        &self,
        begin: &str,
        end: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Payment>, usize), MpError> {
        let (offset, limit) = (offset.to_string(), limit.to_string());
        let request = self
            .http
            .get(self.url("/v1/payments/search"))
            .query(&[
                ("range", "date_last_updated"),
                ("begin_date", begin),
                ("end_date", end),
                ("sort", "date_last_updated"),
                ("criteria", "asc"),
                ("offset", offset.as_str()),
                ("limit", limit.as_str()),
            ])
            .bearer_auth(self.access_token.expose_secret());
        let value = self.send(request).await?;
        let found: SearchResult = serde_json::from_value(value)
            .map_err(|e| MpError::Transport(format!("search: {e}")))?;
        let total = found.paging.map(|p| p.total).unwrap_or(0);
        let payments = found
            .results
            .into_iter()
            .map(|v| Payment::from_value(v).map_err(|e| MpError::Transport(format!("search: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((payments, total))
    }

    /// `POST /checkout/preferences`.
    #[tracing::instrument(name = "mercadopago.create_preference", skip_all, fields(external_reference = %body.external_reference))]
    pub async fn create_preference(
        &self,
        body: &CreatePreference,
        idempotency_key: &str,
    ) -> Result<Preference, MpError> {
        let request = self
            .http
            .post(self.url("/checkout/preferences"))
            .bearer_auth(self.access_token.expose_secret())
            .header("X-Idempotency-Key", idempotency_key)
            .json(body);
        let value = self.send(request).await?;
        serde_json::from_value(value).map_err(|e| MpError::Transport(format!("preference: {e}")))
    }

    /// `GET /v1/payments/{id}`.
    #[tracing::instrument(name = "mercadopago.get_payment", skip(self))]
    pub async fn get_payment(&self, id: PaymentId) -> Result<Payment, MpError> {
        let request = self
            .http
            .get(self.url(&format!("/v1/payments/{id}")))
            .bearer_auth(self.access_token.expose_secret());
        let value = self.send(request).await?;
        Payment::from_value(value).map_err(|e| MpError::Transport(format!("payment: {e}")))
    }

    /// `POST /v1/payments/{id}/refunds`: `amount` None refunds everything that remains.
    #[tracing::instrument(name = "mercadopago.refund", skip(self))]
    pub async fn refund(
        &self,
        id: PaymentId,
        amount: Option<serde_json::Number>,
        idempotency_key: &str,
    ) -> Result<serde_json::Value, MpError> {
        let body = match amount {
            Some(amount) => serde_json::json!({ "amount": amount }),
            None => serde_json::json!({}),
        };
        let request = self
            .http
            .post(self.url(&format!("/v1/payments/{id}/refunds")))
            .bearer_auth(self.access_token.expose_secret())
            .header("X-Idempotency-Key", idempotency_key)
            .json(&body);
        self.send(request).await
    }

    /// `PUT /v1/payments/{id}` `{"status":"cancelled"}`: only pending or in-process payments.
    #[tracing::instrument(name = "mercadopago.cancel_payment", skip(self))]
    pub async fn cancel_payment(&self, id: PaymentId) -> Result<Payment, MpError> {
        let request = self
            .http
            .put(self.url(&format!("/v1/payments/{id}")))
            .bearer_auth(self.access_token.expose_secret())
            .header("X-Idempotency-Key", format!("cancel-{id}"))
            .json(&serde_json::json!({"status": PaymentStatus::Cancelled}));
        let value = self.send(request).await?;
        Payment::from_value(value).map_err(|e| MpError::Transport(format!("payment: {e}")))
    }

    /// `GET /v1/payments/search?external_reference=`: the payments made for one order.
    #[tracing::instrument(name = "mercadopago.search_payments", skip(self))]
    pub async fn payments_for(&self, external_reference: &str) -> Result<Vec<Payment>, MpError> {
        let request = self
            .http
            .get(self.url("/v1/payments/search"))
            .query(&[
                ("external_reference", external_reference),
                ("sort", "date_created"),
                ("criteria", "desc"),
            ])
            .bearer_auth(self.access_token.expose_secret());
        let value = self.send(request).await?;
        let found: SearchResult = serde_json::from_value(value)
            .map_err(|e| MpError::Transport(format!("search: {e}")))?;
        found
            .results
            .into_iter()
            .map(|v| Payment::from_value(v).map_err(|e| MpError::Transport(format!("search: {e}"))))
            .collect()
    }

    /// `GET /users/me`: whose access token this is, and of which site.
    #[tracing::instrument(name = "mercadopago.me", skip_all)]
    pub async fn me(&self) -> Result<Account, MpError> {
        let request = self
            .http
            .get(self.url("/users/me"))
            .bearer_auth(self.access_token.expose_secret());
        let value = self.send(request).await?;
        serde_json::from_value(value).map_err(|e| MpError::Transport(format!("account: {e}")))
    }

    /// `GET /v1/identification_types`: the document types of the account's site, as the
    /// Payment Brick offers them.
    #[tracing::instrument(name = "mercadopago.identification_types", skip_all)]
    pub async fn identification_types(&self) -> Result<Vec<IdentificationType>, MpError> {
        let request = self
            .http
            .get(self.url("/v1/identification_types"))
            .bearer_auth(self.access_token.expose_secret());
        let value = self.send(request).await?;
        serde_json::from_value(value)
            .map_err(|e| MpError::Transport(format!("identification types: {e}")))
    }

    /// `GET /v1/payment_methods/search?public_key=`, with the public key alone as the browser
    /// sends it: the `site_id`s of the methods Mercado Pago offers that key's account.
    #[tracing::instrument(name = "mercadopago.public_key_sites", skip_all)]
    pub async fn public_key_sites(&self, public_key: &str) -> Result<Vec<String>, MpError> {
        let request = self
            .http
            .get(self.url("/v1/payment_methods/search"))
            .query(&[("public_key", public_key)]);
        let value = self.send(request).await?;
        let found: SearchResult = serde_json::from_value(value)
            .map_err(|e| MpError::Transport(format!("payment methods: {e}")))?;
        let mut sites: Vec<String> = found
            .results
            .iter()
            .filter_map(|m| m.get("site_id")?.as_str().map(String::from))
            .collect();
        sites.sort();
        sites.dedup();
        Ok(sites)
    }

    /// Every call goes through here: its latency and failure are counted by endpoint template.
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<serde_json::Value, MpError> {
        let (http, request) = request.build_split();
        let request = request.map_err(classify)?;
        let endpoint = endpoint(request.method(), request.url().path(), self.base.path());
        // Never closed, so acquiring only waits; the wait is not the call's own latency.
        let Ok(permit) = tokio::time::timeout(self.queue_wait, self.in_flight.acquire()).await
        else {
            let busy = MpError::Busy {
                in_flight: self.max_in_flight,
                waited: self.queue_wait,
            };
            // Counted as a call that took the whole wait, so the error-rate alert sees it.
            self.metrics
                .mercadopago_call(&endpoint, self.queue_wait, Some(call_error(&busy)));
            return Err(busy);
        };
        let _permit = permit.expect("never closed");
        let started = Instant::now();
        let result = self.exchange(&http, request).await;
        let failure = result.as_ref().err().map(call_error);
        self.metrics
            .mercadopago_call(&endpoint, started.elapsed(), failure);
        result
    }

    async fn exchange(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
    ) -> Result<serde_json::Value, MpError> {
        let response = http.execute(request).await.map_err(classify)?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|e| {
                if e.is_timeout() {
                    MpError::Timeout
                } else {
                    MpError::Transport(format!("unreadable answer: {e}"))
                }
            });
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body: serde_json::Value = response.json().await.unwrap_or(serde_json::Value::Null);
        tracing::warn!(status = status.as_u16(), mp_error = %body.get("error").unwrap_or(&serde_json::Value::Null), "Mercado Pago answered with an error");
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => MpError::Unauthorized {
                status: status.as_u16(),
            },
            StatusCode::TOO_MANY_REQUESTS => MpError::RateLimited { retry_after },
            StatusCode::CONFLICT | StatusCode::LOCKED | StatusCode::FAILED_DEPENDENCY => {
                MpError::KeyInUse {
                    status: status.as_u16(),
                }
            }
            s if s.is_server_error() => MpError::Server { status: s.as_u16() },
            s => MpError::Refused {
                status: s.as_u16(),
                message: body
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect(),
                causes: body
                    .get("cause")
                    .cloned()
                    .and_then(|c| serde_json::from_value::<Vec<Cause>>(c).ok())
                    .unwrap_or_default(),
            },
        })
    }
}

/// `POST /v1/payments/{id}/refunds`: the path below the API base, with every segment that
/// holds a digit (other than a version such as `v1`) made `{id}`, so ids never become labels.
fn endpoint(method: &reqwest::Method, path: &str, base_path: &str) -> String {
    let path = path
        .strip_prefix(base_path.trim_end_matches('/'))
        .unwrap_or(path);
    let template: Vec<&str> = path
        .split('/')
        .map(|segment| {
            let version = segment.strip_prefix('v').is_some_and(|n| {
                !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit())
            });
            if !version && segment.bytes().any(|b| b.is_ascii_digit()) {
                "{id}"
            } else {
                segment
            }
        })
        .collect();
    format!("{method} {}", template.join("/"))
}

fn call_error(e: &MpError) -> CallError {
    match e {
        MpError::Refused { .. } => CallError::ClientError,
        MpError::Unauthorized { .. } => CallError::Unauthorized,
        MpError::RateLimited { .. } => CallError::RateLimited,
        MpError::KeyInUse { .. } => CallError::KeyInUse,
        MpError::Server { .. } => CallError::ServerError,
        MpError::Timeout => CallError::Timeout,
        MpError::Connect(_) => CallError::Connect,
        MpError::Transport(_) => CallError::BadAnswer,
        MpError::Busy { .. } => CallError::Busy,
    }
}

fn classify(e: reqwest::Error) -> MpError {
    // A connect failure (even a connect timeout) means the request never left: no payment.
    if e.is_connect() {
        MpError::Connect(e)
    } else if e.is_timeout() {
        MpError::Timeout
    } else {
        MpError::Transport(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint;
    use reqwest::Method;

    #[test]
    fn endpoints_are_templates_without_ids() {
        let e = |m: Method, path: &str, base: &str| endpoint(&m, path, base);
        assert_eq!(e(Method::POST, "/v1/payments", "/"), "POST /v1/payments");
        assert_eq!(
            e(Method::GET, "/v1/payments/123456789", "/"),
            "GET /v1/payments/{id}"
        );
        assert_eq!(
            e(
                Method::POST,
                "/sandbox/mp/v1/payments/42/refunds",
                "/sandbox/mp"
            ),
            "POST /v1/payments/{id}/refunds"
        );
        assert_eq!(
            e(Method::GET, "/v1/payments/search", "/"),
            "GET /v1/payments/search"
        );
        assert_eq!(
            e(Method::PUT, "/v1/payments/9", "/"),
            "PUT /v1/payments/{id}"
        );
        assert_eq!(e(Method::GET, "/users/me", "/"), "GET /users/me");
        assert_eq!(
            e(Method::POST, "/checkout/preferences", "/"),
            "POST /checkout/preferences"
        );
    }
}
