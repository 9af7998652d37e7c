//! What the result page says about a payment: one message per Mercado Pago `status_detail`
//! (FACTS §3.2), modeled on Mercado Pago's own recommended texts, in pt, es and en.

use crate::domain::site::methods;
use crate::domain::{Lang, PaymentStatus, StatusDetail};
use PaymentStatus as S;
use StatusDetail as D;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Waiting,
    Failure,
}

/// What the result page says about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub tone: Tone,
    pub title: String,
    pub detail: String,
    /// True when the shopper should try again (another card, corrected data).
    pub can_retry: bool,
}

/// A row: status, status_detail (`None` for any), can_retry, then [pt, es, en] × (title,
/// detail). `{amount}` and `{method}` are filled in.
type Row = (
    PaymentStatus,
    Option<StatusDetail>,
    bool,
    [(&'static str, &'static str); 3],
);

const APPROVED_PT: &str = "Pagamento aprovado";
const APPROVED_ES: &str = "Pago aprobado";
const DECLINED_PT: &str = "Pagamento recusado";
const DECLINED_ES: &str = "Pago rechazado";
const PROCESSING_PT: &str = "Estamos processando o pagamento";
const PROCESSING_ES: &str = "Estamos procesando el pago";

const ROWS: &[Row] = &[
    (S::Approved, Some(D::Accredited), false, [
        (APPROVED_PT, "Pronto! Seu pagamento de {amount} com {method} foi aprovado."),
        (APPROVED_ES, "¡Listo! Tu pago de {amount} con {method} fue aprobado."),
        ("Payment approved", "Done! Your payment of {amount} with {method} was approved."),
    ]),
    (S::Approved, Some(D::PartiallyRefunded), false, [
        ("Pagamento parcialmente devolvido", "Parte do pagamento de {amount} foi devolvida a você."),
        ("Pago devuelto en parte", "Te devolvimos una parte del pago de {amount}."),
        ("Payment partially refunded", "Part of your payment of {amount} was refunded to you."),
    ]),
    (S::Authorized, Some(D::PendingCapture), false, [
        ("Pagamento autorizado", "Seu pagamento de {amount} foi autorizado e será confirmado em breve."),
        ("Pago autorizado", "Tu pago de {amount} fue autorizado y se confirmará en breve."),
        ("Payment authorized", "Your payment of {amount} was authorized and will be confirmed shortly."),
    ]),
    (S::InProcess, Some(D::PendingReviewManual), false, [
        (PROCESSING_PT, "Não se preocupe: em menos de 2 dias úteis avisaremos por e-mail se foi creditado ou se precisamos de mais informações."),
        (PROCESSING_ES, "No te preocupes: en menos de 2 días hábiles te avisaremos por e-mail si se acreditó o si necesitamos más información."),
        ("We are processing your payment", "Don't worry: in less than 2 business days we will tell you by e-mail whether it was credited or if we need more information."),
    ]),
    (S::InProcess, None, false, [
        (PROCESSING_PT, "Não se preocupe: em menos de 2 dias úteis avisaremos por e-mail se foi creditado. Não pague de novo."),
        (PROCESSING_ES, "No te preocupes: en menos de 2 días hábiles te avisaremos por e-mail si se acreditó. No pagues de nuevo."),
        ("We are processing your payment", "Don't worry: in less than 2 business days we will tell you by e-mail whether it was credited. Do not pay again."),
    ]),
    (S::Pending, Some(D::PendingWaitingTransfer), false, [
        ("Aguardando sua transferência", "Pague {amount} pelo seu banco para concluir a compra."),
        ("Esperando tu transferencia", "Paga {amount} desde tu banco para completar la compra."),
        ("Waiting for your transfer", "Pay {amount} from your bank to complete the purchase."),
    ]),
    (S::Pending, Some(D::PendingWaitingPayment), false, [
        ("Aguardando seu pagamento", "Pague {amount} no ponto de pagamento indicado antes do vencimento."),
        ("Esperando tu pago", "Paga {amount} en el punto de pago indicado antes del vencimiento."),
        ("Waiting for your payment", "Pay {amount} at the payment point shown before it expires."),
    ]),
    (S::Pending, Some(D::PendingChallenge), false, [
        ("Confirme o pagamento com seu banco", "Seu banco pediu uma verificação para o pagamento de {amount} com {method}."),
        ("Confirma el pago con tu banco", "Tu banco pidió una verificación para el pago de {amount} con {method}."),
        ("Confirm the payment with your bank", "Your bank asked for a check of the payment of {amount} with {method}."),
    ]),
    (S::Pending, None, false, [
        ("Pagamento pendente", "Seu pagamento de {amount} ainda não foi concluído."),
        ("Pago pendiente", "Tu pago de {amount} todavía no se completó."),
        ("Payment pending", "Your payment of {amount} is not complete yet."),
    ]),
    (S::InMediation, None, false, [
        ("Pagamento em disputa", "Há uma disputa aberta sobre este pagamento; o Mercado Pago informará o resultado."),
        ("Pago en disputa", "Hay una disputa abierta sobre este pago; Mercado Pago informará el resultado."),
        ("Payment in dispute", "There is an open dispute about this payment; Mercado Pago will tell the outcome."),
    ]),
    (S::Cancelled, Some(D::Expired), false, [
        ("Pagamento expirado", "O prazo para pagar {amount} terminou e nada foi cobrado."),
        ("Pago vencido", "Venció el plazo para pagar {amount} y no se cobró nada."),
        ("Payment expired", "The time to pay {amount} ran out and nothing was charged."),
    ]),
    (S::Cancelled, None, false, [
        ("Pagamento cancelado", "O pagamento de {amount} foi cancelado e nada foi cobrado."),
        ("Pago cancelado", "El pago de {amount} fue cancelado y no se cobró nada."),
        ("Payment cancelled", "The payment of {amount} was cancelled and nothing was charged."),
    ]),
    (S::Refunded, None, false, [
        ("Pagamento devolvido", "Devolvemos {amount} a você. Com cartão, o valor aparece na fatura."),
        ("Pago devuelto", "Te devolvimos {amount}. Con tarjeta, lo verás en el resumen."),
        ("Payment refunded", "We refunded {amount} to you. On a card it shows on your statement."),
    ]),
    (S::ChargedBack, None, false, [
        ("Pagamento contestado", "Este pagamento foi contestado junto ao emissor do cartão."),
        ("Pago desconocido", "Este pago fue desconocido ante el emisor de la tarjeta."),
        ("Payment charged back", "This payment was disputed with the card issuer."),
    ]),
    (S::Rejected, Some(D::CcRejectedBadFilledCardNumber), true, [
        (DECLINED_PT, "Revise o número do cartão."),
        (DECLINED_ES, "Revisa el número de tarjeta."),
        ("Payment declined", "Check the card number."),
    ]),
    (S::Rejected, Some(D::CcRejectedBadFilledDate), true, [
        (DECLINED_PT, "Revise a data de vencimento."),
        (DECLINED_ES, "Revisa la fecha de vencimiento."),
        ("Payment declined", "Check the expiration date."),
    ]),
    (S::Rejected, Some(D::CcRejectedBadFilledOther), true, [
        (DECLINED_PT, "Revise os dados do cartão."),
        (DECLINED_ES, "Revisa los datos de la tarjeta."),
        ("Payment declined", "Check the card details."),
    ]),
    (S::Rejected, Some(D::CcRejectedBadFilledSecurityCode), true, [
        (DECLINED_PT, "Revise o código de segurança do cartão."),
        (DECLINED_ES, "Revisa el código de seguridad de la tarjeta."),
        ("Payment declined", "Check the card's security code."),
    ]),
    (S::Rejected, Some(D::CcRejectedBlacklist), true, [
        (DECLINED_PT, "Não conseguimos processar seu pagamento. Use outro cartão ou meio de pagamento."),
        (DECLINED_ES, "No pudimos procesar tu pago. Usa otra tarjeta u otro medio de pago."),
        ("Payment declined", "We could not process your payment. Use another card or payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedCallForAuthorize), true, [
        (DECLINED_PT, "Você precisa autorizar junto ao {method} o pagamento de {amount} ao Mercado Pago. Depois, tente de novo."),
        (DECLINED_ES, "Debes autorizar ante {method} el pago de {amount} a Mercado Pago. Después, inténtalo de nuevo."),
        ("Payment declined", "You must authorize the payment of {amount} to Mercado Pago with {method}. Then try again."),
    ]),
    (S::Rejected, Some(D::CcRejectedCardDisabled), true, [
        (DECLINED_PT, "Ligue para o {method} para ativar seu cartão ou use outro meio de pagamento."),
        (DECLINED_ES, "Llama a {method} para activar tu tarjeta o usa otro medio de pago."),
        ("Payment declined", "Call {method} to activate your card, or use another payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedCardError), true, [
        (DECLINED_PT, "Não conseguimos processar seu pagamento. Tente de novo ou use outro cartão."),
        (DECLINED_ES, "No pudimos procesar tu pago. Inténtalo de nuevo o usa otra tarjeta."),
        ("Payment declined", "We could not process your payment. Try again or use another card."),
    ]),
    (S::Rejected, Some(D::CcRejectedDuplicatedPayment), false, [
        (DECLINED_PT, "Você já fez um pagamento desse valor. Se precisar pagar de novo, use outro cartão ou meio de pagamento."),
        (DECLINED_ES, "Ya hiciste un pago por ese valor. Si necesitas volver a pagar, usa otra tarjeta u otro medio de pago."),
        ("Payment declined", "You already made a payment of that amount. If you need to pay again, use another card or payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedHighRisk), true, [
        (DECLINED_PT, "Seu pagamento foi recusado. Escolha outro meio de pagamento; recomendamos pagar em dinheiro."),
        (DECLINED_ES, "Tu pago fue rechazado. Elige otro medio de pago; te recomendamos pagar en efectivo."),
        ("Payment declined", "Your payment was declined. Choose another payment method; we recommend cash."),
    ]),
    (S::Rejected, Some(D::RejectedHighRisk), true, [
        (DECLINED_PT, "Seu pagamento foi recusado. Escolha outro meio de pagamento; recomendamos pagar em dinheiro."),
        (DECLINED_ES, "Tu pago fue rechazado. Elige otro medio de pago; te recomendamos pagar en efectivo."),
        ("Payment declined", "Your payment was declined. Choose another payment method; we recommend cash."),
    ]),
    (S::Rejected, Some(D::CcRejectedInsufficientAmount), true, [
        (DECLINED_PT, "O {method} não tem limite suficiente. Use outro cartão ou meio de pagamento."),
        (DECLINED_ES, "Tu {method} no tiene fondos suficientes. Usa otra tarjeta u otro medio de pago."),
        ("Payment declined", "Your {method} has insufficient funds. Use another card or payment method."),
    ]),
    (S::Rejected, Some(D::InsufficientAmount), true, [
        (DECLINED_PT, "Saldo insuficiente. Use outro meio de pagamento."),
        (DECLINED_ES, "Saldo insuficiente. Usa otro medio de pago."),
        ("Payment declined", "Insufficient funds. Use another payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedInvalidInstallments), true, [
        (DECLINED_PT, "O {method} não aceita esse número de parcelas. Escolha outro."),
        (DECLINED_ES, "{method} no acepta esa cantidad de cuotas. Elige otra."),
        ("Payment declined", "{method} does not take that number of installments. Choose another."),
    ]),
    (S::Rejected, Some(D::CcRejectedMaxAttempts), true, [
        (DECLINED_PT, "Você atingiu o limite de tentativas permitidas. Escolha outro cartão ou meio de pagamento."),
        (DECLINED_ES, "Llegaste al límite de intentos permitidos. Elige otra tarjeta u otro medio de pago."),
        ("Payment declined", "You reached the limit of allowed attempts. Choose another card or payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedOtherReason), true, [
        (DECLINED_PT, "O {method} não processou o pagamento. Use outro cartão ou meio de pagamento."),
        (DECLINED_ES, "{method} no procesó el pago. Usa otra tarjeta u otro medio de pago."),
        ("Payment declined", "{method} did not process the payment. Use another card or payment method."),
    ]),
    (S::Rejected, Some(D::CcRejected3dsChallenge), true, [
        (DECLINED_PT, "A verificação com seu banco não foi concluída. Tente de novo ou use outro cartão."),
        (DECLINED_ES, "La verificación con tu banco no se completó. Inténtalo de nuevo o usa otra tarjeta."),
        ("Payment declined", "The check with your bank did not complete. Try again or use another card."),
    ]),
    (S::Rejected, Some(D::CcRejected3dsMandatory), true, [
        (DECLINED_PT, "Este cartão exige uma verificação que não foi feita. Use outro cartão ou meio de pagamento."),
        (DECLINED_ES, "Esta tarjeta exige una verificación que no se hizo. Usa otra tarjeta u otro medio de pago."),
        ("Payment declined", "This card requires a check that was not done. Use another card or payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedCardTypeNotAllowed), true, [
        (DECLINED_PT, "Este cartão não pode ser usado no crédito. Use outro cartão ou pague no débito."),
        (DECLINED_ES, "Esta tarjeta no puede usarse a crédito. Usa otra tarjeta o paga con débito."),
        ("Payment declined", "This card cannot be used for credit. Use another card or pay by debit."),
    ]),
    (S::Rejected, Some(D::CcAmountRateLimitExceeded), true, [
        (DECLINED_PT, "O {method} atingiu seu limite de uso. Use outro cartão ou meio de pagamento."),
        (DECLINED_ES, "{method} alcanzó su límite de uso. Usa otra tarjeta u otro medio de pago."),
        ("Payment declined", "{method} reached its usage limit. Use another card or payment method."),
    ]),
    (S::Rejected, Some(D::CcRejectedTimeOut), true, [
        (DECLINED_PT, "O pagamento demorou demais e não foi concluído; nada foi cobrado. Tente de novo."),
        (DECLINED_ES, "El pago tardó demasiado y no se completó; no se cobró nada. Inténtalo de nuevo."),
        ("Payment declined", "The payment took too long and did not complete; nothing was charged. Try again."),
    ]),
    (S::Rejected, Some(D::RejectedInsufficientData), true, [
        (DECLINED_PT, "Faltaram dados para processar o pagamento. Revise-os e tente de novo."),
        (DECLINED_ES, "Faltaron datos para procesar el pago. Revísalos e inténtalo de nuevo."),
        ("Payment declined", "Some data was missing to process the payment. Check it and try again."),
    ]),
    (S::Rejected, Some(D::RejectedByBank), true, [
        (DECLINED_PT, "Seu banco recusou o pagamento. Use outro meio de pagamento."),
        (DECLINED_ES, "Tu banco rechazó el pago. Usa otro medio de pago."),
        ("Payment declined", "Your bank declined the payment. Use another payment method."),
    ]),
    (S::Rejected, Some(D::BankError), true, [
        (DECLINED_PT, "Houve um erro no banco. Tente de novo ou use outro meio de pagamento."),
        (DECLINED_ES, "Hubo un error en el banco. Inténtalo de nuevo o usa otro medio de pago."),
        ("Payment declined", "The bank had an error. Try again or use another payment method."),
    ]),
    (S::Rejected, Some(D::RejectedByRegulations), true, [
        (DECLINED_PT, "O pagamento foi recusado por regras regulatórias. Use outro meio de pagamento."),
        (DECLINED_ES, "El pago fue rechazado por normas regulatorias. Usa otro medio de pago."),
        ("Payment declined", "The payment was declined by regulations. Use another payment method."),
    ]),
    (S::Rejected, None, true, [
        (DECLINED_PT, "Seu pagamento foi recusado. Tente outro cartão ou meio de pagamento."),
        (DECLINED_ES, "Tu pago fue rechazado. Prueba otra tarjeta u otro medio de pago."),
        ("Payment declined", "Your payment was declined. Try another card or payment method."),
    ]),
    (S::Approved, None, false, [
        (APPROVED_PT, "Seu pagamento de {amount} foi aprovado."),
        (APPROVED_ES, "Tu pago de {amount} fue aprobado."),
        ("Payment approved", "Your payment of {amount} was approved."),
    ]),
];

const UNKNOWN_STATUS: [(&str, &str); 3] = [
    (
        "Pagamento em análise",
        "Ainda estamos confirmando o pagamento. Esta página mostrará o resultado.",
    ),
    (
        "Pago en revisión",
        "Todavía estamos confirmando el pago. Esta página mostrará el resultado.",
    ),
    (
        "Payment under review",
        "We are still confirming the payment. This page will show the result.",
    ),
];

fn tone_of(status: &PaymentStatus) -> Tone {
    match status {
        S::Approved => Tone::Success,
        S::Rejected | S::Cancelled | S::Refunded | S::ChargedBack => Tone::Failure,
        _ => Tone::Waiting,
    }
}

fn column(lang: Lang) -> usize {
    match lang {
        Lang::Pt => 0,
        Lang::Es => 1,
        Lang::En => 2,
    }
}

/// `amount` is formatted for display ("R$ 100,50"); `method` is a `payment_method_id`.
pub fn status_message(
    lang: Lang,
    status: &PaymentStatus,
    status_detail: &StatusDetail,
    amount: &str,
    method: &str,
) -> StatusMessage {
    let row = ROWS
        .iter()
        .find(|r| r.0 == *status && r.1.as_ref() == Some(status_detail))
        .or_else(|| ROWS.iter().find(|r| r.0 == *status && r.1.is_none()));
    let ((title, detail), can_retry) = match row {
        Some(r) => (r.3[column(lang)], r.2),
        None => (UNKNOWN_STATUS[column(lang)], false),
    };
    let method = method_name(method);
    let fill = |s: &str| s.replace("{amount}", amount).replace("{method}", &method);
    StatusMessage {
        tone: tone_of(status),
        title: fill(title),
        detail: fill(detail),
        can_retry,
    }
}

/// For an order whose call to Mercado Pago ended without an answer.
/// The result page of an order with no payment yet.
pub fn not_paid_yet(lang: Lang) -> StatusMessage {
    let (title, detail) = match lang {
        Lang::Pt => (
            "Pedido aguardando pagamento",
            "Este pedido ainda não foi pago.",
        ),
        Lang::Es => (
            "Pedido pendiente de pago",
            "Este pedido todavía no fue pagado.",
        ),
        Lang::En => (
            "Order awaiting payment",
            "This order has not been paid yet.",
        ),
    };
    StatusMessage {
        tone: Tone::Waiting,
        title: title.to_string(),
        detail: detail.to_string(),
        can_retry: true,
    }
}

pub fn outcome_unknown_message(lang: Lang) -> StatusMessage {
    let (title, detail) = match lang {
        Lang::Pt => ("Confirmando seu pagamento", "Não recebemos a resposta do Mercado Pago a tempo. Não pague de novo: estamos verificando e esta página mostrará o resultado. Você não será cobrado duas vezes."),
        Lang::Es => ("Confirmando tu pago", "No recibimos la respuesta de Mercado Pago a tiempo. No pagues de nuevo: lo estamos verificando y esta página mostrará el resultado. No se te cobrará dos veces."),
        Lang::En => ("Confirming your payment", "We did not get Mercado Pago's answer in time. Do not pay again: we are checking, and this page will show the result. You will not be charged twice."),
    };
    StatusMessage {
        tone: Tone::Waiting,
        title: title.to_string(),
        detail: detail.to_string(),
        can_retry: false,
    }
}

/// `visa` → "Visa", `debmaster` → "Mastercard Débito".
fn method_name(id: &str) -> String {
    let known = match id {
        methods::VISA => "Visa",
        methods::MASTER => "Mastercard",
        methods::AMEX => "American Express",
        methods::ELO => "Elo",
        methods::HIPERCARD => "Hipercard",
        methods::NARANJA => "Naranja",
        methods::CABAL => "Cabal",
        methods::DEBVISA => "Visa Débito",
        methods::DEBMASTER => "Mastercard Débito",
        methods::DEBELO => "Elo Débito",
        methods::ACCOUNT_MONEY => "Mercado Pago",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    let mut chars = id.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: [Lang; 3] = [Lang::Pt, Lang::Es, Lang::En];

    #[test]
    fn every_documented_pair_has_its_own_words_in_each_language() {
        for row in ROWS {
            let msgs: Vec<_> = LANGS
                .iter()
                .map(|&l| {
                    status_message(
                        l,
                        &row.0,
                        row.1.as_ref().unwrap_or(&D::Empty),
                        "R$ 10,00",
                        "visa",
                    )
                })
                .collect();
            for m in &msgs {
                assert!(!m.title.is_empty() && !m.detail.is_empty(), "{row:?}");
                assert!(!m.title.contains('{') && !m.detail.contains('{'), "{row:?}");
            }
            assert_ne!(msgs[0].detail, msgs[1].detail, "{row:?}: pt = es");
            assert_ne!(msgs[1].detail, msgs[2].detail, "{row:?}: es = en");
            assert_ne!(msgs[0].detail, msgs[2].detail, "{row:?}: pt = en");
        }
    }

    #[test]
    fn card_rejections_of_facts_3_2_each_have_a_specific_message() {
        let generic = status_message(
            Lang::En,
            &S::Rejected,
            &D::from("something_new"),
            "",
            "visa",
        );
        for detail in [
            "cc_rejected_bad_filled_card_number",
            "cc_rejected_bad_filled_date",
            "cc_rejected_bad_filled_other",
            "cc_rejected_bad_filled_security_code",
            "cc_rejected_blacklist",
            "cc_rejected_call_for_authorize",
            "cc_rejected_card_disabled",
            "cc_rejected_card_error",
            "cc_rejected_duplicated_payment",
            "cc_rejected_high_risk",
            "cc_rejected_insufficient_amount",
            "cc_rejected_invalid_installments",
            "cc_rejected_max_attempts",
            "cc_rejected_other_reason",
            "cc_rejected_3ds_challenge",
            "cc_rejected_3ds_mandatory",
            "cc_rejected_card_type_not_allowed",
            "cc_amount_rate_limit_exceeded",
            "rejected_insufficient_data",
            "rejected_by_bank",
            "rejected_by_regulations",
            "insufficient_amount",
            "bank_error",
        ] {
            assert!(!matches!(D::from(detail), D::Other(_)), "{detail} is typed");
            let m = status_message(Lang::En, &S::Rejected, &D::from(detail), "$1", "visa");
            assert_ne!(m.detail, generic.detail, "{detail}");
            assert_eq!(m.tone, Tone::Failure);
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let m = status_message(
            Lang::Pt,
            &S::Rejected,
            &D::CcRejectedCallForAuthorize,
            "R$ 158,80",
            "master",
        );
        assert!(
            m.detail.contains("R$ 158,80") && m.detail.contains("Mastercard"),
            "{}",
            m.detail
        );
        assert!(m.can_retry);
    }

    #[test]
    fn tones_and_retries() {
        assert_eq!(
            status_message(Lang::Es, &S::Approved, &D::Accredited, "", "").tone,
            Tone::Success
        );
        assert_eq!(
            status_message(Lang::Es, &S::InProcess, &D::PendingContingency, "", "").tone,
            Tone::Waiting
        );
        assert!(!status_message(Lang::Es, &S::InProcess, &D::PendingContingency, "", "").can_retry);
        assert!(
            !status_message(
                Lang::Es,
                &S::Rejected,
                &D::CcRejectedDuplicatedPayment,
                "",
                ""
            )
            .can_retry
        );
        assert!(status_message(Lang::Es, &S::Rejected, &D::from("never_seen"), "", "").can_retry);
        let refunded = status_message(Lang::En, &S::Refunded, &D::Refunded, "$5", "visa");
        assert_eq!(refunded.tone, Tone::Failure);
        assert!(refunded.title.contains("refunded"));
        let odd = status_message(Lang::Pt, &S::from("weird"), &D::from("x"), "", "");
        assert_eq!(odd.tone, Tone::Waiting);
        assert!(!outcome_unknown_message(Lang::Pt).can_retry);
        assert!(outcome_unknown_message(Lang::Es)
            .detail
            .contains("No pagues de nuevo"));
    }
}
