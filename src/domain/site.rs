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
    /// Document types the Brick asks for (FACTS §7); Mexico asks for none.
    pub identification_types: &'static [&'static str],
    /// Upper bound of `installments` we accept and pass to the Brick as `maxInstallments`.
    pub max_installments: u8,
}

const PROFILES: [SiteProfile; 7] = [
    SiteProfile {
        id: "MLB",
        currency: Currency::Brl,
        locale: "pt-BR",
        lang: Lang::Pt,
        identification_types: &["CPF", "CNPJ"],
        max_installments: 12,
    },
    SiteProfile {
        id: "MLA",
        currency: Currency::Ars,
        locale: "es-AR",
        lang: Lang::Es,
        identification_types: &["DNI", "CI", "LC", "LE", "Otro"],
        max_installments: 12,
    },
    SiteProfile {
        id: "MLM",
        currency: Currency::Mxn,
        locale: "es-MX",
        lang: Lang::Es,
        identification_types: &[],
        max_installments: 24,
    },
    SiteProfile {
        id: "MPE",
        currency: Currency::Pen,
        locale: "es-PE",
        lang: Lang::Es,
        identification_types: &["DNI", "C.E", "RUC", "Otro"],
        max_installments: 36,
    },
    SiteProfile {
        id: "MCO",
        currency: Currency::Cop,
        locale: "es-CO",
        lang: Lang::Es,
        identification_types: &["CC", "CE", "NIT", "Otro"],
        max_installments: 36,
    },
    SiteProfile {
        id: "MLU",
        currency: Currency::Uyu,
        locale: "es-UY",
        lang: Lang::Es,
        identification_types: &["CI", "Otro"],
        max_installments: 12,
    },
    SiteProfile {
        id: "MLC",
        currency: Currency::Clp,
        locale: "es-CL",
        lang: Lang::Es,
        identification_types: &["RUT", "Otro"],
        max_installments: 36,
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
}
