use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::domain::{Lang, SubmissionError};
use crate::i18n::{payment_message, PaymentMessage};
use crate::mercadopago::MpError;
use crate::metrics::RequestResult;
use crate::payments::charge::ChargeError;
use crate::routes::page::anyhow_chain;
use crate::session::SessionError;

/// Everything `/process_payment` can answer besides a payment. Each variant is something a
/// shopper can act on; the message says what, in the site's language. What the request itself
/// gets wrong is here; what charging the order can answer is `ChargeError`'s.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("the request is not from this store's checkout page")]
    Forbidden,
    #[error("the body must be JSON")]
    NotJson,
    #[error("malformed payment data at {path}: {detail}")]
    Malformed { path: String, detail: String },
    #[error("invalid payment data: {0}")]
    Invalid(#[from] SubmissionError),
    #[error("no order of this session to pay")]
    NoOrder,
    #[error("the store is shutting down")]
    ShuttingDown,
    #[error("no place came free at the payment door within {0:?}")]
    Crowded(std::time::Duration),
    #[error(transparent)]
    Charge(#[from] ChargeError),
    #[error(transparent)]
    Session(#[from] SessionError),
}

impl PaymentError {
    pub fn status(&self) -> StatusCode {
        match self {
            PaymentError::Forbidden => StatusCode::FORBIDDEN,
            PaymentError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PaymentError::Malformed { .. }
            | PaymentError::Invalid(_)
            | PaymentError::Session(_) => StatusCode::BAD_REQUEST,
            PaymentError::NoOrder | PaymentError::Charge(ChargeError::NoOrder) => {
                StatusCode::NOT_FOUND
            }
            PaymentError::ShuttingDown | PaymentError::Crowded(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            PaymentError::Charge(e) => match e {
                ChargeError::NoOrder => StatusCode::NOT_FOUND,
                ChargeError::AmountMismatch { .. } | ChargeError::ProviderRefused(_) => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                ChargeError::OrderClosed
                | ChargeError::PricesChanged
                | ChargeError::InProgress
                | ChargeError::SoldOut { .. }
                | ChargeError::DeliveryMissing => StatusCode::CONFLICT,
                ChargeError::TooManyAttempts
                | ChargeError::ProviderUnavailable(MpError::RateLimited { .. }) => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                ChargeError::OutcomeUnknown(_) => StatusCode::BAD_GATEWAY,
                ChargeError::ProviderUnavailable(_)
                | ChargeError::NotRecorded { .. }
                | ChargeError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            },
        }
    }

    /// When trying again makes sense, in seconds: a restarting store's few, or the pause Mercado
    /// Pago asked us for (after our own retries honoured it), else a short one of ours.
    fn retry_after(&self) -> Option<u64> {
        match self {
            PaymentError::ShuttingDown | PaymentError::Crowded(_) => Some(5),
            PaymentError::Charge(ChargeError::ProviderUnavailable(MpError::RateLimited {
                retry_after,
            })) => Some(retry_after.unwrap_or(5).clamp(1, 60)),
            PaymentError::Charge(ChargeError::ProviderUnavailable(MpError::Busy { .. })) => Some(5),
            _ => None,
        }
    }

    /// The order page is where the shopper will see an outcome that is not known yet.
    pub fn outcome_pending(&self) -> bool {
        matches!(
            self,
            PaymentError::Charge(
                ChargeError::OutcomeUnknown(_)
                    | ChargeError::NotRecorded { .. }
                    | ChargeError::InProgress
            )
        )
    }

    /// How `checkout_payment_requests_total` counts this answer.
    pub fn request_result(&self) -> RequestResult {
        match self {
            _ if self.outcome_pending() => RequestResult::Unknown,
            PaymentError::Crowded(_) => RequestResult::Busy,
            PaymentError::Charge(
                ChargeError::ProviderUnavailable(_) | ChargeError::Database(_),
            ) => RequestResult::Error,
            _ => RequestResult::Refused,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PaymentError::Forbidden => "forbidden",
            PaymentError::NotJson => "not_json",
            PaymentError::Malformed { .. } => "malformed_request",
            PaymentError::Invalid(_) => "invalid_payment_data",
            PaymentError::NoOrder => "order_not_found",
            PaymentError::ShuttingDown => "store_restarting",
            PaymentError::Crowded(_) => "store_busy",
            PaymentError::Session(_) => "bad_session",
            PaymentError::Charge(e) => match e {
                ChargeError::NoOrder => "order_not_found",
                ChargeError::AmountMismatch { .. } => "amount_mismatch",
                ChargeError::OrderClosed => "order_closed",
                ChargeError::PricesChanged => "prices_changed",
                ChargeError::SoldOut { .. } => "sold_out",
                ChargeError::DeliveryMissing => "delivery_missing",
                ChargeError::InProgress => "payment_in_progress",
                ChargeError::TooManyAttempts => "too_many_attempts",
                ChargeError::ProviderRefused(_) => "payment_refused",
                ChargeError::ProviderUnavailable(MpError::Busy { .. }) => "provider_busy",
                ChargeError::ProviderUnavailable(_) => "provider_unavailable",
                ChargeError::OutcomeUnknown(_) => "outcome_unknown",
                ChargeError::NotRecorded { .. } => "payment_not_recorded",
                ChargeError::Database(_) => "service_unavailable",
            },
        }
    }

    /// What the shopper is told (the words are `i18n`'s).
    pub fn key(&self) -> PaymentMessage {
        use PaymentMessage as M;
        match self {
            PaymentError::Forbidden => M::SessionExpired,
            PaymentError::NotJson | PaymentError::Malformed { .. } => M::DataIncomplete,
            PaymentError::Invalid(e) => M::Invalid(e.problem.clone()),
            PaymentError::NoOrder => M::NoOrder,
            PaymentError::ShuttingDown => M::ShuttingDown,
            PaymentError::Crowded(_) => M::Busy,
            PaymentError::Session(_) => M::Unavailable,
            PaymentError::Charge(e) => match e {
                ChargeError::NoOrder => M::NoOrder,
                ChargeError::AmountMismatch { expected } => M::AmountMismatch {
                    expected: *expected,
                },
                ChargeError::OrderClosed => M::OrderClosed,
                ChargeError::PricesChanged => M::PricesChanged,
                ChargeError::SoldOut { product } => M::SoldOut {
                    product: product.clone(),
                },
                ChargeError::DeliveryMissing => M::DeliveryMissing,
                ChargeError::InProgress => M::InProgress,
                ChargeError::TooManyAttempts => M::TooManyAttempts,
                ChargeError::ProviderRefused(e) if card_token_problem(e) => M::CardExpired,
                ChargeError::ProviderRefused(e) if identification_problem(e) => M::DocumentRefused,
                ChargeError::ProviderRefused(_) => M::Refused,
                ChargeError::ProviderUnavailable(MpError::Busy { .. }) => M::Busy,
                ChargeError::ProviderUnavailable(_) | ChargeError::Database(_) => M::Unavailable,
                ChargeError::OutcomeUnknown(_) | ChargeError::NotRecorded { .. } => M::Unconfirmed,
            },
        }
    }

    /// A sentence for the shopper; never internals.
    pub fn message(&self, lang: Lang) -> String {
        payment_message(lang, &self.key())
    }

    /// The JSON answer, logged with its cause chain.
    pub fn respond(&self, lang: Lang, redirect_url: Option<String>) -> HttpResponse {
        let status = self.status();
        // A crowd at the door is the door working, and loud enough without an error per shopper.
        if status.is_server_error() && !matches!(self, PaymentError::Crowded(_)) {
            tracing::error!(error.code = self.code(), error.cause_chain = %anyhow_chain(self), "payment failed");
        } else {
            tracing::warn!(error.code = self.code(), error.cause_chain = %anyhow_chain(self), "payment refused");
        }
        let mut body = serde_json::json!({
            "error": self.code(),
            "message": self.message(lang),
        });
        if let PaymentError::Invalid(e) = self {
            body["field"] = e.field.into();
        }
        if matches!(self, PaymentError::Charge(ChargeError::ProviderRefused(e)) if identification_problem(e))
        {
            body["field"] = "formData.payer.identification".into();
        }
        if let PaymentError::Malformed { path, .. } = self {
            body["field"] = path.clone().into();
        }
        if let Some(url) = redirect_url {
            body["redirect_url"] = url.into();
        }
        let mut response = HttpResponse::build(status);
        response.insert_header(("Cache-Control", "no-store"));
        if let Some(seconds) = self.retry_after() {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(body)
    }
}

/// Mercado Pago's answers for a used, expired or unknown card token.
fn card_token_problem(e: &MpError) -> bool {
    e.cause_codes()
        .iter()
        .any(|c| matches!(c, 2006 | 3003 | 2062 | 2009))
}

/// Mercado Pago's answers about the payer's document: cause 2067 ("Invalid user
/// identification number"), or a refusal whose text names the identification (an unknown
/// document type, which our list let through because it may be older than theirs).
fn identification_problem(e: &MpError) -> bool {
    let MpError::Refused {
        message, causes, ..
    } = e
    else {
        return false;
    };
    let names_it = |text: &str| text.to_ascii_lowercase().contains("identification");
    causes
        .iter()
        .any(|c| c.code() == Some(2067) || c.description.as_deref().is_some_and(names_it))
        || names_it(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mercadopago::Cause;

    fn refused(message: &str, code: i64, description: &str) -> PaymentError {
        PaymentError::Charge(ChargeError::ProviderRefused(MpError::Refused {
            status: 400,
            message: message.into(),
            causes: vec![serde_json::from_value::<Cause>(
                serde_json::json!({"code": code, "description": description}),
            )
            .unwrap()],
        }))
    }

    #[test]
    fn a_refused_document_asks_to_check_its_type_and_number() {
        for e in [
            refused("Invalid user identification number", 2067, ""),
            refused("bad_request", 4000, "Invalid user identification type"),
        ] {
            assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(e.message(Lang::Pt).contains("tipo e o número do documento"));
            assert!(e
                .message(Lang::Es)
                .contains("tipo y el número de documento"));
            assert!(e.message(Lang::En).contains("document type and number"));
        }
        let other = refused("Invalid transaction_amount", 2072, "");
        assert!(!other.message(Lang::En).contains("document"));
    }
}
