//! The words of e-mails, of the signed order link's refusals, of the order page's delivery
//! spot and of the back office's Outbox, in pt, es and en.

use crate::domain::Lang;

/// Fixed texts of the e-mails and the pages around them. One instance per language.
#[derive(Debug)]
pub struct MailTexts {
    pub hello: &'static str,
    pub order: &'static str,
    pub items: &'static str,
    pub quantity: &'static str,
    pub total: &'static str,
    pub paid_with: &'static str,
    pub paid_intro: &'static str,
    pub pending_intro: &'static str,
    pub how_to_pay: &'static str,
    pub pix_code: &'static str,
    pub open_voucher: &'static str,
    pub reference: &'static str,
    pub barcode: &'static str,
    pub pay_until: &'static str,
    pub status_approved: &'static str,
    pub status_rejected: &'static str,
    pub status_cancelled: &'static str,
    pub see_order: &'static str,
    pub link_note: &'static str,
    pub merchant_intro: &'static str,
    pub payer: &'static str,
    pub see_in_back_office: &'static str,
    /// Fulfilment e-mails: what happened, and how to follow the parcel.
    pub shipped_intro: &'static str,
    pub delivered_intro: &'static str,
    pub carrier: &'static str,
    pub tracking_code: &'static str,
    pub footer: &'static str,
    /// Refusals of a signed order link.
    pub link_tampered_title: &'static str,
    pub link_tampered_body: &'static str,
    pub link_expired_title: &'static str,
    pub link_expired_body: &'static str,
    /// The back office's Outbox.
    pub outbox: &'static str,
    pub outbox_intro_kept: &'static str,
    pub outbox_intro_smtp: &'static str,
    pub to: &'static str,
    pub subject: &'static str,
    pub state: &'static str,
    pub the_merchant: &'static str,
    pub not_rendered: &'static str,
    pub last_error: &'static str,
    pub back_to_outbox: &'static str,
    pub text_version: &'static str,
}

impl MailTexts {
    /// The subject of an e-mail of `kind` about order `number` in `status`.
    pub fn subject(&self, lang: Lang, kind: &str, status: &str, number: i64) -> String {
        let p = |pt: &str, es: &str, en: &str| match lang {
            Lang::Pt => pt.replace("{n}", &number.to_string()),
            Lang::Es => es.replace("{n}", &number.to_string()),
            Lang::En => en.replace("{n}", &number.to_string()),
        };
        match (kind, status) {
            ("confirmation", "paid") => p(
                "Pedido #{n} confirmado",
                "Pedido #{n} confirmado",
                "Order #{n} confirmed",
            ),
            ("confirmation", _) => p(
                "Pedido #{n}: veja como pagar",
                "Pedido #{n}: cómo pagar",
                "Order #{n}: how to pay",
            ),
            ("merchant_paid", _) => p(
                "Novo pedido pago #{n}",
                "Nuevo pedido pagado #{n}",
                "New paid order #{n}",
            ),
            ("fulfilment", "shipped") => p(
                "Pedido #{n} enviado",
                "Pedido #{n} enviado",
                "Order #{n} shipped",
            ),
            ("fulfilment", "delivered") => p(
                "Pedido #{n} entregue",
                "Pedido #{n} entregado",
                "Order #{n} delivered",
            ),
            (_, "paid") => p(
                "Pedido #{n}: pagamento aprovado",
                "Pedido #{n}: pago aprobado",
                "Order #{n}: payment approved",
            ),
            (_, "rejected") => p(
                "Pedido #{n}: pagamento recusado",
                "Pedido #{n}: pago rechazado",
                "Order #{n}: payment declined",
            ),
            (_, "cancelled") => p(
                "Pedido #{n}: pagamento expirado ou cancelado",
                "Pedido #{n}: pago vencido o cancelado",
                "Order #{n}: payment expired or cancelled",
            ),
            _ => p("Pedido #{n}", "Pedido #{n}", "Order #{n}"),
        }
    }

    /// What a status e-mail says happened.
    pub fn status_sentence(&self, status: &str) -> &'static str {
        match status {
            "paid" => self.status_approved,
            "rejected" => self.status_rejected,
            _ => self.status_cancelled,
        }
    }

    /// The Outbox's word for a row's state.
    pub fn state_name(&self, lang: Lang, state: &str) -> &'static str {
        let p = |pt, es, en| match lang {
            Lang::Pt => pt,
            Lang::Es => es,
            Lang::En => en,
        };
        match state {
            "sent" => p("enviado", "enviado", "sent"),
            "kept" => p(
                "guardado (sem SMTP)",
                "guardado (sin SMTP)",
                "kept (no SMTP)",
            ),
            "skipped" => p("sem destinatário", "sin destinatario", "no recipient"),
            "failed" => p("falhou", "falló", "failed"),
            _ => p("na fila", "en cola", "queued"),
        }
    }
}

pub fn mail_texts(lang: Lang) -> &'static MailTexts {
    match lang {
        Lang::Pt => &PT,
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

static PT: MailTexts = MailTexts {
    hello: "Olá!",
    order: "Pedido",
    items: "O que você comprou",
    quantity: "Qtd.",
    total: "Total",
    paid_with: "Forma de pagamento",
    paid_intro: "Recebemos o seu pagamento. Obrigado pela compra!",
    pending_intro: "Recebemos o seu pedido. Ele será confirmado quando o pagamento for feito.",
    how_to_pay: "Como pagar",
    pix_code: "Código Pix (copia e cola)",
    open_voucher: "Abrir o boleto / comprovante para pagar",
    reference: "Referência",
    barcode: "Código de barras",
    pay_until: "Pague até",
    status_approved: "O pagamento do seu pedido foi aprovado. Obrigado!",
    status_rejected: "O pagamento do seu pedido foi recusado. Você pode tentar de novo com outra forma de pagamento.",
    status_cancelled: "O prazo para pagar o seu pedido terminou ou o pagamento foi cancelado. Nada foi cobrado.",
    see_order: "Ver o pedido",
    link_note: "Este link abre o seu pedido sem precisar entrar; não o compartilhe.",
    merchant_intro: "Um pedido foi pago.",
    payer: "Comprador",
    see_in_back_office: "Ver no painel",
    shipped_intro: "Seu pedido foi enviado.",
    delivered_intro: "Seu pedido foi entregue. Obrigado pela compra!",
    carrier: "Transportadora",
    tracking_code: "Código de rastreio",
    footer: "Este e-mail foi enviado automaticamente.",
    link_tampered_title: "Link inválido",
    link_tampered_body: "Este link de pedido não é válido (talvez tenha sido copiado pela metade). Abra o link do e-mail de novo.",
    link_expired_title: "Link expirado",
    link_expired_body: "Este link de pedido expirou. Abra o pedido no navegador em que você comprou ou fale com a loja.",
    outbox: "Caixa de saída",
    outbox_intro_kept: "Sem SMTP_URL, os e-mails ficam guardados aqui e não são enviados.",
    outbox_intro_smtp: "E-mails da loja e onde estão.",
    to: "Para",
    subject: "Assunto",
    state: "Situação",
    the_merchant: "a loja (MERCHANT_EMAIL)",
    not_rendered: "Ainda não preparado.",
    last_error: "Último erro",
    back_to_outbox: "Voltar à caixa de saída",
    text_version: "Versão em texto",
};

static ES: MailTexts = MailTexts {
    hello: "¡Hola!",
    order: "Pedido",
    items: "Lo que compraste",
    quantity: "Cant.",
    total: "Total",
    paid_with: "Medio de pago",
    paid_intro: "Recibimos tu pago. ¡Gracias por tu compra!",
    pending_intro: "Recibimos tu pedido. Se confirmará cuando hagas el pago.",
    how_to_pay: "Cómo pagar",
    pix_code: "Código Pix",
    open_voucher: "Abrir el cupón para pagar",
    reference: "Referencia",
    barcode: "Código de barras",
    pay_until: "Paga hasta",
    status_approved: "El pago de tu pedido fue aprobado. ¡Gracias!",
    status_rejected: "El pago de tu pedido fue rechazado. Puedes intentarlo de nuevo con otro medio de pago.",
    status_cancelled: "El plazo para pagar tu pedido terminó o el pago fue cancelado. No se cobró nada.",
    see_order: "Ver el pedido",
    link_note: "Este enlace abre tu pedido sin iniciar sesión; no lo compartas.",
    merchant_intro: "Se pagó un pedido.",
    payer: "Comprador",
    see_in_back_office: "Ver en el panel",
    shipped_intro: "Tu pedido fue enviado.",
    delivered_intro: "Tu pedido fue entregado. ¡Gracias por tu compra!",
    carrier: "Transportista",
    tracking_code: "Código de seguimiento",
    footer: "Este correo se envió automáticamente.",
    link_tampered_title: "Enlace no válido",
    link_tampered_body: "Este enlace de pedido no es válido (quizá se copió a medias). Vuelve a abrir el enlace del correo.",
    link_expired_title: "Enlace vencido",
    link_expired_body: "Este enlace de pedido venció. Abre el pedido en el navegador donde compraste o escribe a la tienda.",
    outbox: "Bandeja de salida",
    outbox_intro_kept: "Sin SMTP_URL, los correos se guardan aquí y no se envían.",
    outbox_intro_smtp: "Correos de la tienda y dónde están.",
    to: "Para",
    subject: "Asunto",
    state: "Estado",
    the_merchant: "la tienda (MERCHANT_EMAIL)",
    not_rendered: "Todavía no preparado.",
    last_error: "Último error",
    back_to_outbox: "Volver a la bandeja de salida",
    text_version: "Versión en texto",
};

static EN: MailTexts = MailTexts {
    hello: "Hello!",
    order: "Order",
    items: "What you bought",
    quantity: "Qty",
    total: "Total",
    paid_with: "Paid with",
    paid_intro: "We received your payment. Thank you for your order!",
    pending_intro: "We received your order. It is confirmed once you pay.",
    how_to_pay: "How to pay",
    pix_code: "Pix code (copy and paste)",
    open_voucher: "Open the voucher to pay",
    reference: "Reference",
    barcode: "Barcode",
    pay_until: "Pay by",
    status_approved: "The payment of your order was approved. Thank you!",
    status_rejected: "The payment of your order was declined. You can try again with another payment method.",
    status_cancelled: "The time to pay your order ran out or the payment was cancelled. Nothing was charged.",
    see_order: "See your order",
    link_note: "This link opens your order without signing in; do not share it.",
    merchant_intro: "An order was paid.",
    payer: "Payer",
    see_in_back_office: "See it in the back office",
    shipped_intro: "Your order has been shipped.",
    delivered_intro: "Your order has been delivered. Thank you for your purchase!",
    carrier: "Carrier",
    tracking_code: "Tracking code",
    footer: "This e-mail was sent automatically.",
    link_tampered_title: "Invalid link",
    link_tampered_body: "This order link is not valid (perhaps it was copied only in part). Open the link in the e-mail again.",
    link_expired_title: "Link expired",
    link_expired_body: "This order link has expired. Open the order in the browser you bought with, or contact the store.",
    outbox: "Outbox",
    outbox_intro_kept: "Without SMTP_URL, e-mails are kept here and not sent.",
    outbox_intro_smtp: "The store's e-mails and where they stand.",
    to: "To",
    subject: "Subject",
    state: "State",
    the_merchant: "the store (MERCHANT_EMAIL)",
    not_rendered: "Not prepared yet.",
    last_error: "Last error",
    back_to_outbox: "Back to the outbox",
    text_version: "Text version",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subject_names_the_order_number_in_each_language() {
        for lang in [Lang::Pt, Lang::Es, Lang::En] {
            let t = mail_texts(lang);
            for (kind, status) in [
                ("confirmation", "paid"),
                ("confirmation", "payment_pending"),
                ("payment_status", "paid"),
                ("payment_status", "rejected"),
                ("payment_status", "cancelled"),
                ("merchant_paid", "paid"),
            ] {
                assert!(t.subject(lang, kind, status, 1042).contains("#1042"));
            }
        }
    }
}
