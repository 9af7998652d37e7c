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
    /// Cash and voucher methods (`payment_type_id` ticket).
    pub tickets: &'static [&'static str],
    /// Bank transfers (Pix).
    pub bank_transfers: &'static [&'static str],
    /// ATM payments.
    pub atm: &'static [&'static str],
    /// Mercado Pago credits / Meses sin Tarjeta next to the wallet.
    pub credits: bool,
    /// Hours from UTC of the country's main time zone, for dates shown to shoppers.
    pub utc_offset_hours: i8,
}

const PROFILES: [SiteProfile; 7] = [
    SiteProfile {
        id: "MLB",
        currency: Currency::Brl,
        locale: "pt-BR",
        lang: Lang::Pt,
        identification_types: &["CPF", "CNPJ"],
        max_installments: 12,
        tickets: &["bolbradesco", "pec"],
        bank_transfers: &["pix"],
        atm: &[],
        credits: true,
        utc_offset_hours: -3,
    },
    SiteProfile {
        id: "MLA",
        currency: Currency::Ars,
        locale: "es-AR",
        lang: Lang::Es,
        identification_types: &["DNI", "CI", "LC", "LE", "Otro"],
        max_installments: 12,
        tickets: &["rapipago", "pagofacil"],
        bank_transfers: &[],
        atm: &[],
        credits: true,
        utc_offset_hours: -3,
    },
    SiteProfile {
        id: "MLM",
        currency: Currency::Mxn,
        locale: "es-MX",
        lang: Lang::Es,
        identification_types: &[],
        max_installments: 24,
        tickets: &["oxxo", "paycash"],
        bank_transfers: &[],
        atm: &["bancomer", "banamex"],
        credits: true,
        utc_offset_hours: -6,
    },
    SiteProfile {
        id: "MPE",
        currency: Currency::Pen,
        locale: "es-PE",
        lang: Lang::Es,
        identification_types: &["DNI", "C.E", "RUC", "Otro"],
        max_installments: 36,
        tickets: &[],
        bank_transfers: &[],
        atm: &[],
        credits: false,
        utc_offset_hours: -5,
    },
    SiteProfile {
        id: "MCO",
        currency: Currency::Cop,
        locale: "es-CO",
        lang: Lang::Es,
        identification_types: &["CC", "CE", "NIT", "Otro"],
        max_installments: 36,
        tickets: &[],
        bank_transfers: &[],
        atm: &[],
        credits: false,
        utc_offset_hours: -5,
    },
    SiteProfile {
        id: "MLU",
        currency: Currency::Uyu,
        locale: "es-UY",
        lang: Lang::Es,
        identification_types: &["CI", "Otro"],
        max_installments: 12,
        tickets: &[],
        bank_transfers: &[],
        atm: &[],
        credits: false,
        utc_offset_hours: -3,
    },
    SiteProfile {
        id: "MLC",
        currency: Currency::Clp,
        locale: "es-CL",
        lang: Lang::Es,
        identification_types: &["RUT", "Otro"],
        max_installments: 36,
        tickets: &[],
        bank_transfers: &[],
        atm: &[],
        credits: false,
        utc_offset_hours: -4,
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

    /// The `payment_type_id` of a non-card method this site offers, if it offers it.
    pub fn offers(self, payment_type: &str, method: &str) -> bool {
        let p = self.profile();
        let list = match payment_type {
            "ticket" => p.tickets,
            "bank_transfer" => p.bank_transfers,
            "atm" => p.atm,
            _ => return false,
        };
        list.contains(&method)
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
        for (key, list) in [
            ("ticket", p.tickets),
            ("bankTransfer", p.bank_transfers),
            ("atm", p.atm),
        ] {
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
        assert!(Site::Mlb.offers("bank_transfer", "pix"));
        assert!(Site::Mlb.offers("ticket", "bolbradesco") && Site::Mlb.offers("ticket", "pec"));
        assert!(Site::Mla.offers("ticket", "rapipago") && Site::Mla.offers("ticket", "pagofacil"));
        assert!(Site::Mlm.offers("ticket", "oxxo") && Site::Mlm.offers("atm", "banamex"));
        assert!(!Site::Mla.offers("bank_transfer", "pix"));
        assert!(!Site::Mlm.offers("ticket", "bolbradesco"));
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
            serde_json::json!(["pix"])
        );
        assert_eq!(Site::Mlm.brick_payment_methods()["mercadoPago"], "all");
    }
}
