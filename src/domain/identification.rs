//! The document types a shopper may identify with, and the check of a document number.
//!
//! The Payment Brick takes its list from Mercado Pago (`GET /v1/identification_types`), so the
//! store takes it from there too and keeps the site table's list only as a fallback: our
//! copy can be stale, and a document Mercado Pago takes must never be refused by us.

use super::site::Site;

/// How a document number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// Digits only (CPF, DNI...): separators a shopper types are stripped before sending.
    Number,
    /// Letters and digits (C.E, RUT, passports...), sent as entered.
    Text,
}

/// One document type: Mercado Pago's id (its spelling) and what its numbers look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdType {
    id: String,
    kind: IdKind,
    /// Inclusive bounds on the number's digits (or letters and digits); `None` when unknown.
    lengths: Option<(usize, usize)>,
}

impl IdType {
    /// A type as Mercado Pago describes it: `kind` is `number` or anything else (`string`);
    /// lengths of 0, or a minimum above the maximum, mean unknown and are not checked.
    pub fn new(id: &str, kind: &str, min_length: u32, max_length: u32) -> Option<Self> {
        let id = id.trim();
        let id_ok = !id.is_empty()
            && id.len() <= 20
            && id
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ' ' | '_'));
        if !id_ok {
            return None;
        }
        let kind = if kind.eq_ignore_ascii_case("number") {
            IdKind::Number
        } else {
            IdKind::Text
        };
        let (min, max) = (min_length as usize, max_length as usize);
        let lengths = (max > 0 && min <= max).then_some((min, max));
        Some(Self {
            id: id.to_string(),
            kind,
            lengths,
        })
    }

    /// A type known only by name (the built-in table): any letters and digits, any length.
    fn named(id: &str) -> Self {
        Self {
            id: id.to_string(),
            kind: IdKind::Text,
            lengths: None,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn lengths(&self) -> Option<(usize, usize)> {
        self.lengths
    }

    /// The number as it goes to Mercado Pago, or what is wrong with it (naming the
    /// document, so the shopper reads "the CPF must have 11 digits" in their language).
    pub fn check(&self, number: &str) -> Result<String, DocumentProblem> {
        let (sent, counted, unit) = match self.kind {
            IdKind::Number => {
                let digits: String = number
                    .chars()
                    .filter(|c| !matches!(c, '.' | '-' | '/' | ' '))
                    .collect();
                if !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(DocumentProblem::DigitsOnly {
                        document: self.id.clone(),
                    });
                }
                let n = digits.len();
                (digits, n, LengthUnit::Digits)
            }
            // Only letters and digits count: "12.345.678-9" is a 9-character RUT.
            IdKind::Text => (
                number.to_string(),
                number.chars().filter(|c| c.is_alphanumeric()).count(),
                LengthUnit::Characters,
            ),
        };
        match self.lengths {
            Some((min, max)) if !(min..=max).contains(&counted) => Err(DocumentProblem::Length {
                document: self.id.clone(),
                min,
                max,
                unit,
            }),
            _ => Ok(sent),
        }
    }
}

/// Why a document number does not fit its type; `i18n` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentProblem {
    DigitsOnly {
        document: String,
    },
    /// `min == max` for a fixed length.
    Length {
        document: String,
        min: usize,
        max: usize,
        unit: LengthUnit,
    },
}

/// What a document's length counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    Digits,
    /// Letters and digits.
    Characters,
}

/// Where a list of document types came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdTypesSource {
    /// `GET /v1/identification_types`, as the Brick shows it.
    MercadoPago,
    /// The site table (`SiteProfile::identification_types`), until Mercado Pago answers.
    BuiltIn,
}

/// The document types of the store's site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTypes {
    types: Vec<IdType>,
    source: IdTypesSource,
}

impl IdTypes {
    /// The site table's list: names only, lengths unknown, so no number is refused for its
    /// length.
    pub fn built_in(site: Site) -> Self {
        Self {
            types: site
                .profile()
                .identification_types
                .iter()
                .map(|id| IdType::named(id))
                .collect(),
            source: IdTypesSource::BuiltIn,
        }
    }

    /// Mercado Pago's list, or `None` when it holds no usable type (an empty answer says
    /// nothing we could trust more than the built-in table).
    pub fn from_mercado_pago(types: impl IntoIterator<Item = IdType>) -> Option<Self> {
        let types: Vec<IdType> = types.into_iter().collect();
        (!types.is_empty()).then_some(Self {
            types,
            source: IdTypesSource::MercadoPago,
        })
    }

    pub fn source(&self) -> IdTypesSource {
        self.source
    }

    /// No list applies (Mexico): a number goes without a type.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.types.iter().map(IdType::id)
    }

    /// The type of this name whatever its case (`otro` finds `Otro`), in the list's spelling.
    pub fn find(&self, name: &str) -> Option<&IdType> {
        let name = name.trim();
        self.types.iter().find(|t| t.id.eq_ignore_ascii_case(name))
    }
}

/// Mercado Pago's list from `(id, type, min_length, max_length)` rows, for tests.
#[cfg(test)]
pub(crate) fn mercado_pagos(types: &[(&str, &str, u32, u32)]) -> IdTypes {
    IdTypes::from_mercado_pago(
        types
            .iter()
            .map(|(id, kind, min, max)| IdType::new(id, kind, *min, *max).unwrap()),
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn length(document: &str, min: usize, max: usize, unit: LengthUnit) -> DocumentProblem {
        DocumentProblem::Length {
            document: document.into(),
            min,
            max,
            unit,
        }
    }

    #[test]
    fn the_built_in_list_is_the_site_tables_without_lengths() {
        let types = IdTypes::built_in(Site::Mlb);
        assert_eq!(types.source(), IdTypesSource::BuiltIn);
        assert_eq!(types.ids().collect::<Vec<_>>(), ["CPF", "CNPJ"]);
        assert_eq!(types.find("cpf").unwrap().check("123"), Ok("123".into()));
        assert!(IdTypes::built_in(Site::Mlm).is_empty());
    }

    #[test]
    fn a_type_is_found_whatever_its_case_in_the_lists_spelling() {
        let types = mercado_pagos(&[("CI", "number", 8, 8), ("Otro", "string", 4, 20)]);
        assert_eq!(types.source(), IdTypesSource::MercadoPago);
        assert_eq!(types.find("otro").unwrap().id(), "Otro");
        assert_eq!(types.find(" ci ").unwrap().id(), "CI");
        assert!(types.find("DNI").is_none());
    }

    #[test]
    fn number_types_are_digits_without_separators_within_their_lengths() {
        let types = mercado_pagos(&[("CPF", "number", 11, 11), ("CNPJ", "number", 14, 14)]);
        let cpf = types.find("CPF").unwrap();
        assert_eq!(cpf.check("123.456.789-09"), Ok("12345678909".into()));
        assert_eq!(cpf.check("123 456 789 09"), Ok("12345678909".into()));
        assert_eq!(
            cpf.check("1234567890").unwrap_err(),
            length("CPF", 11, 11, LengthUnit::Digits)
        );
        assert_eq!(
            cpf.check("1234567890A").unwrap_err(),
            DocumentProblem::DigitsOnly {
                document: "CPF".into()
            }
        );
        let cnpj = types.find("cnpj").unwrap();
        assert_eq!(
            cnpj.check("12.345.678/0001-95"),
            Ok("12345678000195".into())
        );
        let dni = IdType::new("DNI", "number", 7, 8).unwrap();
        assert_eq!(
            dni.check("123456").unwrap_err(),
            length("DNI", 7, 8, LengthUnit::Digits)
        );
    }

    #[test]
    fn string_types_go_as_entered_counting_letters_and_digits() {
        let rut = IdType::new("RUT", "string", 8, 9).unwrap();
        assert_eq!(rut.check("12.345.678-9"), Ok("12.345.678-9".into()));
        assert_eq!(
            rut.check("1234567").unwrap_err(),
            length("RUT", 8, 9, LengthUnit::Characters)
        );
        assert_eq!(rut.kind(), IdKind::Text);
    }

    #[test]
    fn unknown_or_absurd_lengths_are_not_checked() {
        for (min, max) in [(0, 0), (9, 3)] {
            let t = IdType::new("NIT", "number", min, max).unwrap();
            assert_eq!(t.lengths(), None);
            assert!(t.check("1").is_ok());
        }
        assert!(IdType::new("", "number", 1, 2).is_none());
        assert!(IdType::new("<b>", "number", 1, 2).is_none());
        assert!(IdTypes::from_mercado_pago(Vec::new()).is_none());
    }
}
