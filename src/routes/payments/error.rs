use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use crate::domain::{Lang, Money, PaymentId, SubmissionError};
use crate::mercadopago::MpError;
use crate::metrics::RequestResult;
use crate::routes::page::anyhow_chain;
use crate::session::SessionError;

/// Everything `/process_payment` can answer besides a payment. Each variant is something a
/// shopper can act on; the message says what, in the site's language.
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
    #[error("the amount does not match the order total {expected:?}")]
    AmountMismatch { expected: Money },
    #[error("the order takes no more payments")]
    OrderClosed,
    #[error("the order's prices are no longer the catalog's")]
    PricesChanged,
    #[error("the store is shutting down")]
    ShuttingDown,
    #[error("a payment for this order is already being processed")]
    InProgress,
    #[error("the order or the shopper has used up its payment attempts")]
    TooManyAttempts,
    #[error("Mercado Pago refused the payment data")]
    ProviderRefused(#[source] MpError),
    #[error("Mercado Pago could not be used; nothing was charged")]
    ProviderUnavailable(#[source] MpError),
    #[error("the outcome of the call to Mercado Pago is unknown")]
    OutcomeUnknown(#[source] MpError),
    #[error("the payment {payment_id} was made but could not be recorded")]
    NotRecorded {
        payment_id: PaymentId,
        #[source]
        source: sqlx::Error,
    },
    #[error("the database is unavailable")]
    Database(#[from] sqlx::Error),
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
            PaymentError::NoOrder => StatusCode::NOT_FOUND,
            PaymentError::AmountMismatch { .. } | PaymentError::ProviderRefused(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            PaymentError::OrderClosed | PaymentError::PricesChanged | PaymentError::InProgress => {
                StatusCode::CONFLICT
            }
            PaymentError::TooManyAttempts
            | PaymentError::ProviderUnavailable(MpError::RateLimited { .. }) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            PaymentError::OutcomeUnknown(_) => StatusCode::BAD_GATEWAY,
            PaymentError::ProviderUnavailable(_)
            | PaymentError::ShuttingDown
            | PaymentError::NotRecorded { .. }
            | PaymentError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// How `checkout_payment_requests_total` counts this answer.
    pub fn request_result(&self) -> RequestResult {
        match self {
            PaymentError::OutcomeUnknown(_)
            | PaymentError::NotRecorded { .. }
            | PaymentError::InProgress => RequestResult::Unknown,
            PaymentError::ProviderUnavailable(_) | PaymentError::Database(_) => {
                RequestResult::Error
            }
            PaymentError::Forbidden
            | PaymentError::NotJson
            | PaymentError::Malformed { .. }
            | PaymentError::Invalid(_)
            | PaymentError::NoOrder
            | PaymentError::AmountMismatch { .. }
            | PaymentError::OrderClosed
            | PaymentError::PricesChanged
            | PaymentError::ShuttingDown
            | PaymentError::TooManyAttempts
            | PaymentError::ProviderRefused(_)
            | PaymentError::Session(_) => RequestResult::Refused,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            PaymentError::Forbidden => "forbidden",
            PaymentError::NotJson => "not_json",
            PaymentError::Malformed { .. } => "malformed_request",
            PaymentError::Invalid(_) => "invalid_payment_data",
            PaymentError::NoOrder => "order_not_found",
            PaymentError::AmountMismatch { .. } => "amount_mismatch",
            PaymentError::OrderClosed => "order_closed",
            PaymentError::PricesChanged => "prices_changed",
            PaymentError::ShuttingDown => "store_restarting",
            PaymentError::InProgress => "payment_in_progress",
            PaymentError::TooManyAttempts => "too_many_attempts",
            PaymentError::ProviderRefused(_) => "payment_refused",
            PaymentError::ProviderUnavailable(_) => "provider_unavailable",
            PaymentError::OutcomeUnknown(_) => "outcome_unknown",
            PaymentError::NotRecorded { .. } => "payment_not_recorded",
            PaymentError::Database(_) => "service_unavailable",
            PaymentError::Session(_) => "bad_session",
        }
    }

    /// A sentence for the shopper; never internals.
    pub fn message(&self, lang: Lang) -> String {
        let pick = |pt: &str, es: &str, en: &str| -> String {
            match lang {
                Lang::Pt => pt,
                Lang::Es => es,
                Lang::En => en,
            }
            .to_string()
        };
        match self {
            PaymentError::Forbidden => pick(
                "Sua sessão expirou. Recarregue a página e tente de novo.",
                "Tu sesión expiró. Recarga la página e inténtalo de nuevo.",
                "Your session expired. Reload the page and try again.",
            ),
            PaymentError::NotJson | PaymentError::Malformed { .. } => pick(
                "Os dados do pagamento chegaram incompletos. Recarregue a página e tente de novo.",
                "Los datos del pago llegaron incompletos. Recarga la página e inténtalo de nuevo.",
                "The payment data arrived incomplete. Reload the page and try again.",
            ),
            PaymentError::Invalid(e) => e.message.clone(),
            PaymentError::NoOrder => pick(
                "Não há pedido para pagar. Volte ao carrinho.",
                "No hay un pedido para pagar. Vuelve al carrito.",
                "There is no order to pay. Go back to the cart.",
            ),
            PaymentError::AmountMismatch { expected } => match lang {
                Lang::Pt => format!("O valor não confere com o do pedido ({expected}). Recarregue a página; nada foi cobrado."),
                Lang::Es => format!("El monto no coincide con el del pedido ({expected}). Recarga la página; no se cobró nada."),
                Lang::En => format!("The amount does not match the order total ({expected}). Reload the page; nothing was charged."),
            },
            PaymentError::OrderClosed => pick(
                "Este pedido não aceita mais pagamentos.",
                "Este pedido ya no acepta pagos.",
                "This order takes no more payments.",
            ),
            PaymentError::PricesChanged => pick(
                "Os preços deste pedido mudaram desde que você abriu a página. Recarregue-a para ver o valor atual; nada foi cobrado.",
                "Los precios de este pedido cambiaron desde que abriste la página. Recárgala para ver el monto actual; no se cobró nada.",
                "The prices of this order changed since you opened the page. Reload it to see the current total; nothing was charged.",
            ),
            PaymentError::ShuttingDown => pick(
                "A loja está reiniciando. Tente de novo em alguns segundos; nada foi cobrado.",
                "La tienda se está reiniciando. Inténtalo de nuevo en unos segundos; no se cobró nada.",
                "The store is restarting. Try again in a few seconds; nothing was charged.",
            ),
            PaymentError::InProgress => pick(
                "Já estamos processando um pagamento deste pedido. Aguarde o resultado; não pague de novo.",
                "Ya estamos procesando un pago de este pedido. Espera el resultado; no pagues de nuevo.",
                "A payment for this order is already being processed. Wait for its result; do not pay again.",
            ),
            PaymentError::TooManyAttempts => pick(
                "Foram muitas tentativas de pagamento. Por segurança, espere uma hora ou fale com a loja; nada foi cobrado agora.",
                "Hubo demasiados intentos de pago. Por seguridad, espera una hora o contacta a la tienda; no se cobró nada ahora.",
                "There have been too many payment attempts. For your security, wait an hour or contact the store; nothing was charged now.",
            ),
            PaymentError::ProviderRefused(e) if card_token_problem(e) => pick(
                "Os dados do cartão expiraram. Digite-os novamente.",
                "Los datos de la tarjeta expiraron. Vuelve a ingresarlos.",
                "The card details expired. Please enter them again.",
            ),
            PaymentError::ProviderRefused(e) if identification_problem(e) => pick(
                "O Mercado Pago não aceitou o documento informado. Confira o tipo e o número do documento e tente de novo; nada foi cobrado.",
                "Mercado Pago no aceptó el documento. Revisa el tipo y el número de documento e inténtalo de nuevo; no se cobró nada.",
                "Mercado Pago did not accept the identity document. Check the document type and number and try again; nothing was charged.",
            ),
            PaymentError::ProviderRefused(_) => pick(
                "O Mercado Pago não aceitou os dados do pagamento. Revise-os ou use outro meio de pagamento; nada foi cobrado.",
                "Mercado Pago no aceptó los datos del pago. Revísalos o usa otro medio de pago; no se cobró nada.",
                "Mercado Pago did not accept the payment data. Check it or use another payment method; nothing was charged.",
            ),
            PaymentError::ProviderUnavailable(_) | PaymentError::Database(_) | PaymentError::Session(_) => pick(
                "Não conseguimos processar o pagamento agora; nada foi cobrado. Tente de novo em alguns minutos.",
                "No pudimos procesar el pago ahora; no se cobró nada. Inténtalo de nuevo en unos minutos.",
                "We could not process the payment right now; nothing was charged. Try again in a few minutes.",
            ),
            PaymentError::OutcomeUnknown(_) | PaymentError::NotRecorded { .. } => pick(
                "Não recebemos a confirmação do Mercado Pago. Não pague de novo: estamos verificando e o resultado aparecerá na página do pedido.",
                "No recibimos la confirmación de Mercado Pago. No pagues de nuevo: lo estamos verificando y el resultado aparecerá en la página del pedido.",
                "We did not get Mercado Pago's confirmation. Do not pay again: we are checking, and the result will show on the order page.",
            ),
        }
    }

    /// The JSON answer, logged with its cause chain.
    pub fn respond(&self, lang: Lang, redirect_url: Option<String>) -> HttpResponse {
        let status = self.status();
        if status.is_server_error() {
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
        if matches!(self, PaymentError::ProviderRefused(e) if identification_problem(e)) {
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
        if matches!(self, PaymentError::ShuttingDown) {
            response.insert_header(("Retry-After", "5"));
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
        PaymentError::ProviderRefused(MpError::Refused {
            status: 400,
            message: message.into(),
            causes: vec![serde_json::from_value::<Cause>(
                serde_json::json!({"code": code, "description": description}),
            )
            .unwrap()],
        })
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
