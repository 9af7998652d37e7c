use serde::Deserialize;

/// One entry of Mercado Pago's `cause[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Cause {
    #[serde(default)]
    pub code: serde_json::Value,
    #[serde(default)]
    pub description: Option<String>,
}

impl Cause {
    pub fn code(&self) -> Option<i64> {
        match &self.code {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

/// Every way a call can fail. A declined payment is not here: it is a `Payment` whose status
/// is `rejected`. What matters to the caller is whether a payment may exist after the error.
#[derive(Debug, thiserror::Error)]
pub enum MpError {
    /// 400, 404, 422: Mercado Pago read the request and refused it; nothing was created.
    #[error("Mercado Pago refused the request with {status}: {message}")]
    Refused {
        status: u16,
        message: String,
        causes: Vec<Cause>,
    },
    /// 401 or 403: our credentials are wrong. Nothing was created.
    #[error("Mercado Pago refused our credentials ({status})")]
    Unauthorized { status: u16 },
    /// 429: nothing was created; try later.
    #[error("Mercado Pago is rate limiting us (retry after {retry_after:?} s)")]
    RateLimited { retry_after: Option<u64> },
    /// 409, 423, 424: the idempotency key is in use or locked by a request still being
    /// processed. That request may create a payment: the outcome is unknown.
    #[error("Mercado Pago is still processing a request with this idempotency key ({status})")]
    KeyInUse { status: u16 },
    /// 5xx: Mercado Pago may or may not have acted.
    #[error("Mercado Pago failed with {status}")]
    Server { status: u16 },
    /// No answer within the timeout: the request may have been acted on.
    #[error("Mercado Pago did not answer in time")]
    Timeout,
    /// The connection could not be opened, so the request was never sent.
    #[error("could not connect to Mercado Pago")]
    Connect(#[source] reqwest::Error),
    /// The request went out but the exchange broke, or the answer was unreadable.
    #[error("broken exchange with Mercado Pago: {0}")]
    Transport(String),
    /// Every permitted call to Mercado Pago was in flight for the whole of the queue's wait,
    /// so this one was never sent: nothing was created. A Mercado Pago that hangs would
    /// otherwise let the queue grow without bound, each waiter holding its shopper.
    #[error(
        "{in_flight} calls to Mercado Pago were in flight for {waited:?}; this one was not sent"
    )]
    Busy {
        in_flight: usize,
        waited: std::time::Duration,
    },
}

impl MpError {
    /// True when Mercado Pago may have created the payment although we have no answer.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            MpError::Server { .. }
                | MpError::Timeout
                | MpError::Transport(_)
                | MpError::KeyInUse { .. }
        )
    }

    /// Worth asking again with the same idempotency key after a pause. A timeout is not: the
    /// shopper has already waited the whole of it.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            MpError::Server { .. }
                | MpError::RateLimited { .. }
                | MpError::Connect(_)
                | MpError::Transport(_)
                | MpError::KeyInUse { .. }
        )
    }

    pub fn cause_codes(&self) -> Vec<i64> {
        match self {
            MpError::Refused { causes, .. } => causes.iter().filter_map(Cause::code).collect(),
            _ => Vec::new(),
        }
    }
}
