//! Everything that differs between Mercado Pago sites, in one table.

use super::money::Currency;

/// The language of the shopper's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Pt,
    Es,
    En,
}

impl Lang {
    /// The `lang` attribute of the pages.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Pt => "pt-BR",
            Lang::Es => "es",
            Lang::En => "en",
        }
    }
}

/// Mercado Pago's `payment_method_id`s the store names: the site table's offline methods and
/// the card brands the result page spells out.
pub mod methods {
    pub const PIX: &str = "pix";
    pub const BOLBRADESCO: &str = "bolbradesco";
    pub const PEC: &str = "pec";
    pub const RAPIPAGO: &str = "rapipago";
    pub const PAGOFACIL: &str = "pagofacil";
    pub const OXXO: &str = "oxxo";
    pub const PAYCASH: &str = "paycash";
    pub const BANCOMER: &str = "bancomer";
    pub const BANAMEX: &str = "banamex";
    pub const VISA: &str = "visa";
    pub const MASTER: &str = "master";
    pub const AMEX: &str = "amex";
    pub const ELO: &str = "elo";
    pub const HIPERCARD: &str = "hipercard";
    pub const NARANJA: &str = "naranja";
    pub const CABAL: &str = "cabal";
    pub const DEBVISA: &str = "debvisa";
    pub const DEBMASTER: &str = "debmaster";
    pub const DEBELO: &str = "debelo";
    /// The Mercado Pago wallet's balance.
    pub const ACCOUNT_MONEY: &str = "account_money";
}

/// Mercado Pago's card `payment_type_id`s; the others a site offers are `OfflineKind`s.
pub mod payment_types {
    pub const CREDIT_CARD: &str = "credit_card";
    pub const DEBIT_CARD: &str = "debit_card";
    pub const PREPAID_CARD: &str = "prepaid_card";
}

use methods::*;

/// How an offline method is paid: its `payment_type_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineKind {
    /// Pix: a QR code paid from a bank app, usually within minutes.
    BankTransfer,
    /// Boleto, lottery, cash points: a voucher paid within days.
    Ticket,
    Atm,
}

impl OfflineKind {
    pub const ALL: [OfflineKind; 3] = [
        OfflineKind::BankTransfer,
        OfflineKind::Ticket,
        OfflineKind::Atm,
    ];

    pub fn payment_type(self) -> &'static str {
        match self {
            OfflineKind::BankTransfer => "bank_transfer",
            OfflineKind::Ticket => "ticket",
            OfflineKind::Atm => "atm",
        }
    }

    /// The kind of this `payment_type_id`, if it is an offline one.
    pub fn from_payment_type(payment_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.payment_type() == payment_type)
    }
}

/// A Mercado Pago site: the country the merchant's account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Site {
    Mlb,
    Mla,
    Mlm,
    Mpe,
    Mco,
    Mlu,
    Mlc,
}

/// What the checkout needs to know about a site.
#[derive(Debug)]
pub struct SiteProfile {
    pub id: &'static str,
    pub currency: Currency,
    /// MercadoPago.js `locale`.
    pub locale: &'static str,
    pub lang: Lang,
    /// Document types the Brick asks for (FACTS §7); Mexico asks for none. Only a fallback:
    /// the store checks documents against Mercado Pago's own list once it has read it
    /// (`domain::identification`).
    pub identification_types: &'static [&'static str],
    /// Upper bound of `installments` we accept and pass to the Brick as `maxInstallments`.
    pub max_installments: u8,
    /// The methods besides cards and the wallet.
    pub offline: OfflineMethods,
    /// Mercado Pago credits / Meses sin Tarjeta next to the wallet.
    pub credits: bool,
    /// The country's main time zone (IANA), for the dates the merchant reads.
    pub time_zone: &'static str,
}

/// The non-card methods a site offers, by `payment_type_id`.
#[derive(Debug)]
pub struct OfflineMethods {
    /// Cash and voucher methods (`ticket`).
    pub tickets: &'static [&'static str],
    /// Bank transfers (Pix).
    pub bank_transfers: &'static [&'static str],
    /// ATM payments.
    pub atm: &'static [&'static str],
}

impl OfflineMethods {
    /// Cards and the wallet only.
    const NONE: Self = Self {
        tickets: &[],
        bank_transfers: &[],
        atm: &[],
    };

    /// Each list with its kind and the Brick's `paymentMethods` key for it.
    fn by_kind(&self) -> [(OfflineKind, &'static str, &'static [&'static str]); 3] {
        [
            (OfflineKind::Ticket, "ticket", self.tickets),
            (
                OfflineKind::BankTransfer,
                "bankTransfer",
                self.bank_transfers,
            ),
            (OfflineKind::Atm, "atm", self.atm),
        ]
    }
}

const PROFILES: [SiteProfile; 7] = [
    SiteProfile {
        id: "MLB",
        currency: Currency::Brl,
        locale: "pt-BR",
        lang: Lang::Pt,
        identification_types: &["CPF", "CNPJ"],
        max_installments: 12,
        offline: OfflineMethods {
            tickets: &[BOLBRADESCO, PEC],
            bank_transfers: &[PIX],
            atm: &[],
        },
        credits: true,
        time_zone: "America/Sao_Paulo",
    },
    SiteProfile {
        id: "MLA",
        currency: Currency::Ars,
        locale: "es-AR",
        lang: Lang::Es,
        identification_types: &["DNI", "CI", "LC", "LE", "Otro"],
        max_installments: 12,
        offline: OfflineMethods {
            tickets: &[RAPIPAGO, PAGOFACIL],
            bank_transfers: &[],
            atm: &[],
        },
        credits: true,
        time_zone: "America/Argentina/Buenos_Aires",
    },
    SiteProfile {
        id: "MLM",
        currency: Currency::Mxn,
        locale: "es-MX",
        lang: Lang::Es,
        identification_types: &[],
        max_installments: 24,
        offline: OfflineMethods {
            tickets: &[OXXO, PAYCASH],
            bank_transfers: &[],
            atm: &[BANCOMER, BANAMEX],
        },
        credits: true,
        time_zone: "America/Mexico_City",
    },
    SiteProfile {
        id: "MPE",
        currency: Currency::Pen,
        locale: "es-PE",
        lang: Lang::Es,
        identification_types: &["DNI", "C.E", "RUC", "Otro"],
        max_installments: 36,
        offline: OfflineMethods::NONE,
        credits: false,
        time_zone: "America/Lima",
    },
    SiteProfile {
        id: "MCO",
        currency: Currency::Cop,
        locale: "es-CO",
        lang: Lang::Es,
        identification_types: &["CC", "CE", "NIT", "Otro"],
        max_installments: 36,
        offline: OfflineMethods::NONE,
        credits: false,
        time_zone: "America/Bogota",
    },
    SiteProfile {
        id: "MLU",
        currency: Currency::Uyu,
        locale: "es-UY",
        lang: Lang::Es,
        identification_types: &["CI", "Otro"],
        max_installments: 12,
        offline: OfflineMethods::NONE,
        credits: false,
        time_zone: "America/Montevideo",
    },
    SiteProfile {
        id: "MLC",
        currency: Currency::Clp,
        locale: "es-CL",
        lang: Lang::Es,
        identification_types: &["RUT", "Otro"],
        max_installments: 36,
        offline: OfflineMethods::NONE,
        credits: false,
        time_zone: "America/Santiago",
    },
];

impl Site {
    pub const ALL: [Site; 7] = [
        Site::Mlb,
        Site::Mla,
        Site::Mlm,
        Site::Mpe,
        Site::Mco,
        Site::Mlu,
        Site::Mlc,
    ];

    pub fn parse(id: &str) -> Result<Self, String> {
        Site::ALL
            .into_iter()
            .find(|s| s.profile().id == id)
            .ok_or_else(|| format!("'{id}' is not a Mercado Pago site; use one of MLB, MLA, MLM, MPE, MCO, MLU, MLC"))
    }

    pub fn profile(self) -> &'static SiteProfile {
        &PROFILES[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.profile().id
    }

    pub fn currency(self) -> Currency {
        self.profile().currency
    }

    pub fn lang(self) -> Lang {
        self.profile().lang
    }

    /// Whether this site offers `method` as a payment of this kind.
    pub fn offers(self, kind: OfflineKind, method: &str) -> bool {
        self.profile()
            .offline
            .by_kind()
            .into_iter()
            .any(|(offered, _, list)| offered == kind && list.contains(&method))
    }

    /// The Payment Brick's `customization.paymentMethods` for this site.
    pub fn brick_payment_methods(self) -> serde_json::Value {
        let p = self.profile();
        let mut methods = serde_json::json!({
            "creditCard": "all",
            "debitCard": "all",
            // Wallet everywhere; "all" adds credits / Meses sin Tarjeta where they exist.
            "mercadoPago": if p.credits { "all" } else { "wallet_purchase" },
            "maxInstallments": p.max_installments,
        });
        for (_, key, list) in p.offline.by_kind() {
            if !list.is_empty() {
                methods[key] = serde_json::json!(list);
            }
        }
        methods
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_line_up_with_the_enum() {
        for site in Site::ALL {
            assert_eq!(Site::parse(site.id()).unwrap(), site);
            assert!(site.profile().max_installments >= 1);
        }
        assert_eq!(Site::Mlc.currency().decimals(), 0);
        assert_eq!(Site::Mco.currency().decimals(), 0);
        assert_eq!(Site::Mlb.lang(), Lang::Pt);
        assert!(Site::parse("MLX").is_err());
    }

    #[test]
    fn each_site_offers_the_methods_of_its_table() {
        assert!(Site::Mlb.offers(OfflineKind::BankTransfer, PIX));
        assert!(
            Site::Mlb.offers(OfflineKind::Ticket, BOLBRADESCO)
                && Site::Mlb.offers(OfflineKind::Ticket, PEC)
        );
        assert!(
            Site::Mla.offers(OfflineKind::Ticket, RAPIPAGO)
                && Site::Mla.offers(OfflineKind::Ticket, PAGOFACIL)
        );
        assert!(
            Site::Mlm.offers(OfflineKind::Ticket, OXXO)
                && Site::Mlm.offers(OfflineKind::Atm, BANAMEX)
        );
        assert!(!Site::Mla.offers(OfflineKind::BankTransfer, PIX));
        assert!(!Site::Mlm.offers(OfflineKind::Ticket, BOLBRADESCO));
        for site in [Site::Mpe, Site::Mco, Site::Mlu, Site::Mlc] {
            let m = site.brick_payment_methods();
            assert!(
                m.get("ticket").is_none()
                    && m.get("bankTransfer").is_none()
                    && m.get("atm").is_none()
            );
            assert_eq!(m["mercadoPago"], "wallet_purchase");
        }
        assert_eq!(
            Site::Mlb.brick_payment_methods()["bankTransfer"],
            serde_json::json!([PIX])
        );
        assert_eq!(Site::Mlm.brick_payment_methods()["mercadoPago"], "all");
    }
}
