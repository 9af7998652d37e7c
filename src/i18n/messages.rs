//! Refusals and errors a shopper reads: why a submission was refused (`Problem`), what
//! `/process_payment` answers besides a payment (`PaymentMessage`), and the rate limiter's
//! 429. The code that refuses names the key; this file words it.

use crate::domain::{DocumentProblem, Lang, LengthUnit, Money, Problem};

/// What `/process_payment` tells the shopper when it takes no payment. The handler maps its
/// errors to these; each says what to do next, and whether something was charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentMessage {
    SessionExpired,
    DataIncomplete,
    Invalid(Problem),
    NoOrder,
    AmountMismatch {
        expected: Money,
    },
    OrderClosed,
    PricesChanged,
    /// Not enough units left of this product; nothing was charged.
    SoldOut {
        product: String,
    },
    /// Physical goods and no delivery chosen yet; nothing was charged.
    DeliveryMissing,
    ShuttingDown,
    InProgress,
    TooManyAttempts,
    /// Mercado Pago refused the card token (used, expired, unknown).
    CardExpired,
    /// Mercado Pago refused the payer's document.
    DocumentRefused,
    Refused,
    Unavailable,
    /// Too many payments under way at once: this one was not sent.
    Busy,
    /// The call's outcome is unknown: do not pay again.
    Unconfirmed,
}

/// `pick(pt, es, en)` for a language.
fn pick<'a>(lang: Lang, pt: &'a str, es: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Pt => pt,
        Lang::Es => es,
        Lang::En => en,
    }
}

/// A sentence for the shopper; never internals.
pub fn payment_message(lang: Lang, message: &PaymentMessage) -> String {
    use PaymentMessage as M;
    let p = |pt, es, en| pick(lang, pt, es, en).to_string();
    match message {
        M::SessionExpired => p(
            "Sua sessão expirou. Recarregue a página e tente de novo.",
            "Tu sesión expiró. Recarga la página e inténtalo de nuevo.",
            "Your session expired. Reload the page and try again.",
        ),
        M::DataIncomplete => p(
            "Os dados do pagamento chegaram incompletos. Recarregue a página e tente de novo.",
            "Los datos del pago llegaron incompletos. Recarga la página e inténtalo de nuevo.",
            "The payment data arrived incomplete. Reload the page and try again.",
        ),
        M::Invalid(problem) => submission_message(lang, problem),
        M::NoOrder => p(
            "Não há pedido para pagar. Volte ao carrinho.",
            "No hay un pedido para pagar. Vuelve al carrito.",
            "There is no order to pay. Go back to the cart.",
        ),
        M::AmountMismatch { expected } => match lang {
            Lang::Pt => format!("O valor não confere com o do pedido ({expected}). Recarregue a página; nada foi cobrado."),
            Lang::Es => format!("El monto no coincide con el del pedido ({expected}). Recarga la página; no se cobró nada."),
            Lang::En => format!("The amount does not match the order total ({expected}). Reload the page; nothing was charged."),
        },
        M::OrderClosed => p(
            "Este pedido não aceita mais pagamentos.",
            "Este pedido ya no acepta pagos.",
            "This order takes no more payments.",
        ),
        M::SoldOut { product } => super::ship::sold_out(lang, product),
        M::DeliveryMissing => p(
            "Informe o endereço de entrega e a forma de envio antes de pagar: recarregue a página do pedido. Nada foi cobrado.",
            "Indica la dirección de entrega y la forma de envío antes de pagar: recarga la página del pedido. No se cobró nada.",
            "Give the delivery address and shipping option before paying: reload the checkout page. Nothing was charged.",
        ),
        M::PricesChanged => p(
            "Os preços deste pedido mudaram desde que você abriu a página. Recarregue-a para ver o valor atual; nada foi cobrado.",
            "Los precios de este pedido cambiaron desde que abriste la página. Recárgala para ver el monto actual; no se cobró nada.",
            "The prices of this order changed since you opened the page. Reload it to see the current total; nothing was charged.",
        ),
        M::ShuttingDown => p(
            "A loja está reiniciando. Tente de novo em alguns segundos; nada foi cobrado.",
            "La tienda se está reiniciando. Inténtalo de nuevo en unos segundos; no se cobró nada.",
            "The store is restarting. Try again in a few seconds; nothing was charged.",
        ),
        M::InProgress => p(
            "Já estamos processando um pagamento deste pedido. Aguarde o resultado; não pague de novo.",
            "Ya estamos procesando un pago de este pedido. Espera el resultado; no pagues de nuevo.",
            "A payment for this order is already being processed. Wait for its result; do not pay again.",
        ),
        M::TooManyAttempts => p(
            "Foram muitas tentativas de pagamento. Por segurança, espere uma hora ou fale com a loja; nada foi cobrado agora.",
            "Hubo demasiados intentos de pago. Por seguridad, espera una hora o contacta a la tienda; no se cobró nada ahora.",
            "There have been too many payment attempts. For your security, wait an hour or contact the store; nothing was charged now.",
        ),
        M::CardExpired => p(
            "Os dados do cartão expiraram. Digite-os novamente.",
            "Los datos de la tarjeta expiraron. Vuelve a ingresarlos.",
            "The card details expired. Please enter them again.",
        ),
        M::DocumentRefused => p(
            "O Mercado Pago não aceitou o documento informado. Confira o tipo e o número do documento e tente de novo; nada foi cobrado.",
            "Mercado Pago no aceptó el documento. Revisa el tipo y el número de documento e inténtalo de nuevo; no se cobró nada.",
            "Mercado Pago did not accept the identity document. Check the document type and number and try again; nothing was charged.",
        ),
        M::Refused => p(
            "O Mercado Pago não aceitou os dados do pagamento. Revise-os ou use outro meio de pagamento; nada foi cobrado.",
            "Mercado Pago no aceptó los datos del pago. Revísalos o usa otro medio de pago; no se cobró nada.",
            "Mercado Pago did not accept the payment data. Check it or use another payment method; nothing was charged.",
        ),
        M::Unavailable => p(
            "Não conseguimos processar o pagamento agora; nada foi cobrado. Tente de novo em alguns minutos.",
            "No pudimos procesar el pago ahora; no se cobró nada. Inténtalo de nuevo en unos minutos.",
            "We could not process the payment right now; nothing was charged. Try again in a few minutes.",
        ),
        M::Busy => p(
            "Muitas pessoas estão pagando agora e o seu pagamento não foi enviado; nada foi cobrado. Tente de novo em alguns segundos.",
            "Mucha gente está pagando en este momento y tu pago no se envió; no se cobró nada. Inténtalo de nuevo en unos segundos.",
            "Many people are paying right now and your payment was not sent; nothing was charged. Try again in a few seconds.",
        ),
        M::Unconfirmed => p(
            "Não recebemos a confirmação do Mercado Pago. Não pague de novo: estamos verificando e o resultado aparecerá na página do pedido.",
            "No recibimos la confirmación de Mercado Pago. No pagues de nuevo: lo estamos verificando y el resultado aparecerá en la página del pedido.",
            "We did not get Mercado Pago's confirmation. Do not pay again: we are checking, and the result will show on the order page.",
        ),
    }
}

/// Why a submission was refused, for the field the Brick marks.
pub fn submission_message(lang: Lang, problem: &Problem) -> String {
    use Problem as P;
    let p = |pt, es, en| pick(lang, pt, es, en).to_string();
    match problem {
        P::CardIncomplete => p(
            "os dados do cartão estão incompletos; digite-os novamente",
            "los datos de la tarjeta están incompletos; vuelve a ingresarlos",
            "the card details are incomplete; please enter them again",
        ),
        P::CardMissing => p(
            "faltam os dados do cartão",
            "faltan los datos de la tarjeta",
            "the card details are missing",
        ),
        P::ChooseMethod => p(
            "escolha um meio de pagamento",
            "elige un medio de pago",
            "choose a payment method",
        ),
        P::CardOnly { selected } => match lang {
            Lang::Pt => format!("pagamentos '{selected}' não são aceitos aqui; pague com cartão de crédito ou débito"),
            Lang::Es => format!("los pagos '{selected}' no se aceptan aquí; paga con tarjeta de crédito o débito"),
            Lang::En => format!("'{selected}' payments are not accepted here; pay by credit or debit card"),
        },
        P::WalletAtMercadoPago => p(
            "pagamentos com a carteira do Mercado Pago são feitos no Mercado Pago: use o botão dele",
            "los pagos con la billetera de Mercado Pago se hacen en Mercado Pago: usa su botón",
            "Mercado Pago wallet payments are made at Mercado Pago: use its button",
        ),
        P::UnknownMethod { selected } => match lang {
            Lang::Pt => format!("'{selected}' não é um meio de pagamento desta loja"),
            Lang::Es => format!("'{selected}' no es un medio de pago de esta tienda"),
            Lang::En => format!("'{selected}' is not a payment method of this store"),
        },
        P::NotOfferedHere { method } => match lang {
            Lang::Pt => format!("'{method}' não é oferecido neste país; escolha outro meio de pagamento"),
            Lang::Es => format!("'{method}' no se ofrece en este país; elige otro medio de pago"),
            Lang::En => format!("'{method}' is not offered in this country; choose another payment method"),
        },
        P::FormMissing => p(
            "o formulário de pagamento não foi enviado",
            "no se envió el formulario de pago",
            "the payment form was not sent",
        ),
        P::IssuerInvalid => p(
            "o emissor do cartão não é válido",
            "el emisor de la tarjeta no es válido",
            "the card issuer is not valid",
        ),
        P::InstallmentsMissing => p(
            "escolha o número de parcelas",
            "elige la cantidad de cuotas",
            "choose the number of installments",
        ),
        P::Installments { max } => match lang {
            Lang::Pt => format!("escolha entre 1 e {max} parcelas"),
            Lang::Es => format!("elige entre 1 y {max} cuotas"),
            Lang::En => format!("choose between 1 and {max} installments"),
        },
        P::AmountMissing => p("falta o valor", "falta el monto", "the amount is missing"),
        P::PayerMissing => p(
            "faltam os dados do pagador",
            "faltan los datos del pagador",
            "the payer's details are missing",
        ),
        P::EmailMissing => p(
            "informe seu e-mail",
            "ingresa tu e-mail",
            "enter your email address",
        ),
        P::EmailInvalid => p(
            "informe um e-mail válido, como nome@exemplo.com",
            "ingresa un e-mail válido, como nombre@ejemplo.com",
            "enter a valid email address, like name@example.com",
        ),
        P::DocumentNumberInvalid => p(
            "confira o número do documento",
            "revisa el número de documento",
            "check the document number",
        ),
        P::Document(d) => document_message(lang, d),
        P::ChooseDocumentType => p(
            "escolha o tipo de documento",
            "elige el tipo de documento",
            "choose a document type",
        ),
        P::NameTooLong { max } => match lang {
            Lang::Pt => format!("um nome pode ter no máximo {max} caracteres"),
            Lang::Es => format!("un nombre puede tener como máximo {max} caracteres"),
            Lang::En => format!("a name may have at most {max} characters"),
        },
        P::NameControlCharacters => p(
            "um nome não pode ter quebras de linha, tabulações ou outros caracteres de controle",
            "un nombre no puede tener saltos de línea, tabulaciones ni otros caracteres de control",
            "a name may not hold line breaks, tabs or other control characters",
        ),
        P::FirstNameMissing => p("informe seu nome", "ingresa tu nombre", "enter your first name"),
        P::LastNameMissing => p(
            "informe seu sobrenome",
            "ingresa tu apellido",
            "enter your last name",
        ),
        P::CpfOrCnpjMissing => p(
            "informe seu CPF ou CNPJ",
            "ingresa tu CPF o CNPJ",
            "enter your CPF or CNPJ",
        ),
        P::AddressMissing => p(
            "informe seu endereço",
            "ingresa tu dirección",
            "enter your address",
        ),
        P::AddressIncomplete => p(
            "complete seu endereço",
            "completa tu dirección",
            "complete your address",
        ),
        P::AddressInvalid => p(
            "confira seu endereço",
            "revisa tu dirección",
            "check your address",
        ),
    }
}

/// "The CPF must have 11 digits", naming the document.
fn document_message(lang: Lang, problem: &DocumentProblem) -> String {
    match problem {
        DocumentProblem::DigitsOnly { document } => match lang {
            Lang::Pt => format!("o {document} deve conter apenas dígitos"),
            Lang::Es => format!("el {document} debe contener solo dígitos"),
            Lang::En => format!("the {document} must contain digits only"),
        },
        DocumentProblem::Length {
            document,
            min,
            max,
            unit,
        } => {
            let unit = match (unit, lang) {
                (LengthUnit::Digits, Lang::Pt | Lang::Es) => "dígitos",
                (LengthUnit::Digits, Lang::En) => "digits",
                (LengthUnit::Characters, Lang::Pt | Lang::Es) => "caracteres",
                (LengthUnit::Characters, Lang::En) => "characters",
            };
            match (lang, min == max) {
                (Lang::Pt, true) => format!("o {document} deve ter {min} {unit}"),
                (Lang::Pt, false) => format!("o {document} deve ter de {min} a {max} {unit}"),
                (Lang::Es, true) => format!("el {document} debe tener {min} {unit}"),
                (Lang::Es, false) => format!("el {document} debe tener de {min} a {max} {unit}"),
                (Lang::En, true) => format!("the {document} must have {min} {unit}"),
                (Lang::En, false) => format!("the {document} must have {min} to {max} {unit}"),
            }
        }
    }
}

/// The rate limiter's refusal: the Brick's JSON message, and the page's title and body.
#[derive(Debug, Clone, Copy)]
pub struct RateLimited {
    pub payment: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

pub fn rate_limited(lang: Lang) -> RateLimited {
    let p = |pt, es, en| pick(lang, pt, es, en);
    RateLimited {
        payment: p(
            "Foram muitas tentativas em pouco tempo. Espere um minuto e tente de novo; nada foi cobrado.",
            "Hubo demasiados intentos en poco tiempo. Espera un minuto e inténtalo de nuevo; no se cobró nada.",
            "Too many attempts in a short time. Wait a minute and try again; nothing was charged.",
        ),
        title: p(
            "Muitas solicitações",
            "Demasiadas solicitudes",
            "Too many requests",
        ),
        body: p(
            "Recebemos muitas solicitações suas em pouco tempo. Espere um minuto e tente de novo.",
            "Recibimos demasiadas solicitudes tuyas en poco tiempo. Espera un minuto e inténtalo de nuevo.",
            "We received too many requests from you in a short time. Wait a minute and try again.",
        ),
    }
}

/// What an error page says under its title, for a bare error status (the page handlers'
/// errors carry no sentence of their own). 404 has its own title and words (`Texts`).
pub fn error_explanation(lang: Lang, status: u16) -> &'static str {
    let p = |pt, es, en| pick(lang, pt, es, en);
    match status {
        400 | 413 | 415 | 422 => p(
            "O pedido chegou incompleto ou inválido. Volte e tente de novo.",
            "La solicitud llegó incompleta o no es válida. Vuelve e inténtalo de nuevo.",
            "The request arrived incomplete or invalid. Go back and try again.",
        ),
        401 | 403 => p(
            "Sua sessão expirou ou o formulário é antigo. Recarregue a página e tente de novo.",
            "Tu sesión expiró o el formulario es antiguo. Recarga la página e inténtalo de nuevo.",
            "Your session expired or the form is old. Reload the page and try again.",
        ),
        502..=504 => p(
            "O serviço está indisponível no momento. Tente de novo em alguns minutos.",
            "El servicio no está disponible en este momento. Inténtalo de nuevo en unos minutos.",
            "The service is unavailable right now. Try again in a few minutes.",
        ),
        _ => p(
            "Tivemos um problema ao mostrar esta página. Tente de novo em alguns minutos.",
            "Tuvimos un problema al mostrar esta página. Inténtalo de nuevo en unos minutos.",
            "We had a problem showing this page. Try again in a few minutes.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: [Lang; 3] = [Lang::Pt, Lang::Es, Lang::En];

    #[test]
    fn a_document_problem_names_the_document_in_each_language() {
        let length = Problem::Document(DocumentProblem::Length {
            document: "CPF".into(),
            min: 11,
            max: 11,
            unit: LengthUnit::Digits,
        });
        assert_eq!(
            submission_message(Lang::Pt, &length),
            "o CPF deve ter 11 dígitos"
        );
        assert_eq!(
            submission_message(Lang::Es, &length),
            "el CPF debe tener 11 dígitos"
        );
        assert_eq!(
            submission_message(Lang::En, &length),
            "the CPF must have 11 digits"
        );
    }

    #[test]
    fn a_submission_problem_reads_differently_in_each_language() {
        let problem = Problem::Installments { max: 12 };
        let words: Vec<_> = LANGS
            .iter()
            .map(|l| submission_message(*l, &problem))
            .collect();
        assert!(words.iter().all(|w| w.contains("12")), "{words:?}");
        assert_ne!(words[0], words[1]);
        assert_ne!(words[1], words[2]);
    }
}
