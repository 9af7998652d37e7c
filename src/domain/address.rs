//! A delivery address in the site's own format, parsed from the checkout's form.
//!
//! Brazil: CEP (8 digits), state (UF), city, neighbourhood, street, number, complement.
//! Argentina: código postal (4 digits, or the 8-character CPA), provincia, localidad, calle,
//! número, piso, depto. Mexico: código postal (5 digits), estado, municipio o alcaldía,
//! colonia, calle, número exterior, número interior. The other sites: their postal code
//! (optional, as many addresses have none in use), region, city, street, number, apartment.

use serde::{Deserialize, Serialize};

use super::Site;

/// The form as posted: text, any of it missing.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawAddress {
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub floor: String,
    #[serde(default)]
    pub apartment: String,
}

/// A field of the address form, by its form name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressField {
    PostalCode,
    State,
    City,
    District,
    Street,
    Number,
    Floor,
    Apartment,
}

impl AddressField {
    pub fn name(self) -> &'static str {
        match self {
            AddressField::PostalCode => "postal_code",
            AddressField::State => "state",
            AddressField::City => "city",
            AddressField::District => "district",
            AddressField::Street => "street",
            AddressField::Number => "number",
            AddressField::Floor => "floor",
            AddressField::Apartment => "apartment",
        }
    }
}

/// What is wrong with the address, field by field (the first found).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{0:?} is required")]
    Missing(AddressField),
    #[error("{0:?} is too long")]
    TooLong(AddressField),
    /// Not the site's postal code format (Brazil's CEP: 8 digits).
    #[error("not a postal code of the site")]
    PostalCode,
    /// Not one of Brazil's 27 UFs.
    #[error("not a Brazilian state (UF)")]
    State,
}

/// Brazil's states and federal district, as their two-letter codes.
const UFS: [&str; 27] = [
    "AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA", "PB", "PR",
    "PE", "PI", "RJ", "RN", "RS", "SC", "SE", "SP", "RO", "RR", "TO",
];

const TEXT_MAX: usize = 120;

/// A delivery address that has passed its site's rules. Stored as JSON on the order's delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAddress {
    pub postal_code: String,
    pub state: String,
    pub city: String,
    pub district: Option<String>,
    pub street: String,
    pub number: String,
    pub floor: Option<String>,
    /// Apartment, depto, número interior, or Brazil's complemento.
    pub apartment: Option<String>,
}

/// The fields a site's form shows, in order, and whether each is required.
pub fn form_fields(site: Site) -> &'static [(AddressField, bool)] {
    use AddressField as F;
    match site {
        Site::Mlb => &[
            (F::PostalCode, true),
            (F::State, true),
            (F::City, true),
            (F::District, true),
            (F::Street, true),
            (F::Number, true),
            (F::Apartment, false),
        ],
        Site::Mla => &[
            (F::PostalCode, true),
            (F::State, true),
            (F::City, true),
            (F::Street, true),
            (F::Number, true),
            (F::Floor, false),
            (F::Apartment, false),
        ],
        Site::Mlm => &[
            (F::PostalCode, true),
            (F::State, true),
            (F::City, true),
            (F::District, true),
            (F::Street, true),
            (F::Number, true),
            (F::Apartment, false),
        ],
        Site::Mpe | Site::Mco | Site::Mlu | Site::Mlc => &[
            (F::PostalCode, false),
            (F::State, true),
            (F::City, true),
            (F::District, false),
            (F::Street, true),
            (F::Number, true),
            (F::Apartment, false),
        ],
    }
}

impl RawAddress {
    fn get(&self, field: AddressField) -> &str {
        match field {
            AddressField::PostalCode => &self.postal_code,
            AddressField::State => &self.state,
            AddressField::City => &self.city,
            AddressField::District => &self.district,
            AddressField::Street => &self.street,
            AddressField::Number => &self.number,
            AddressField::Floor => &self.floor,
            AddressField::Apartment => &self.apartment,
        }
        .trim()
    }
}

impl DeliveryAddress {
    /// Parses the form by the site's rules: required fields present, none too long, the postal
    /// code in the site's format (normalised: `01310-100` becomes `01310100`), Brazil's UF known.
    pub fn parse(raw: &RawAddress, site: Site) -> Result<Self, AddressError> {
        let fields = form_fields(site);
        let value = |field: AddressField| -> Result<Option<String>, AddressError> {
            let Some(&(_, required)) = fields.iter().find(|(f, _)| *f == field) else {
                return Ok(None);
            };
            let text = raw.get(field);
            if text.is_empty() {
                return if required {
                    Err(AddressError::Missing(field))
                } else {
                    Ok(None)
                };
            }
            if text.chars().count() > TEXT_MAX || text.chars().any(char::is_control) {
                return Err(AddressError::TooLong(field));
            }
            Ok(Some(text.to_string()))
        };
        let postal_code = value(AddressField::PostalCode)?
            .map(|code| postal_code(&code, site))
            .transpose()?
            .unwrap_or_default();
        let mut state = value(AddressField::State)?.unwrap_or_default();
        if site == Site::Mlb {
            state = state.to_ascii_uppercase();
            if !UFS.contains(&state.as_str()) {
                return Err(AddressError::State);
            }
        }
        Ok(Self {
            postal_code,
            state,
            city: value(AddressField::City)?.unwrap_or_default(),
            district: value(AddressField::District)?,
            street: value(AddressField::Street)?.unwrap_or_default(),
            number: value(AddressField::Number)?.unwrap_or_default(),
            floor: value(AddressField::Floor)?,
            apartment: value(AddressField::Apartment)?,
        })
    }

    /// One line for pages and the CSV: street, number, floor and apartment, district, city,
    /// state, postal code.
    pub fn one_line(&self) -> String {
        let mut parts = vec![format!("{} {}", self.street, self.number)];
        parts.extend(self.floor.clone());
        parts.extend(self.apartment.clone());
        parts.extend(self.district.clone());
        parts.push(self.city.clone());
        parts.push(self.state.clone());
        if !self.postal_code.is_empty() {
            parts.push(self.postal_code.clone());
        }
        parts.join(", ")
    }
}

/// The form filled with an address already chosen, to change it.
impl From<&DeliveryAddress> for RawAddress {
    fn from(a: &DeliveryAddress) -> Self {
        Self {
            postal_code: a.postal_code.clone(),
            state: a.state.clone(),
            city: a.city.clone(),
            district: a.district.clone().unwrap_or_default(),
            street: a.street.clone(),
            number: a.number.clone(),
            floor: a.floor.clone().unwrap_or_default(),
            apartment: a.apartment.clone().unwrap_or_default(),
        }
    }
}

/// The site's postal code, normalised (separators dropped, letters upper-cased).
fn postal_code(raw: &str, site: Site) -> Result<String, AddressError> {
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '.'))
        .collect::<String>()
        .to_ascii_uppercase();
    let digits = |n: usize| code.len() == n && code.chars().all(|c| c.is_ascii_digit());
    let ok = match site {
        Site::Mlb => digits(8),
        // The old 4-digit code, or the CPA: a province letter, 4 digits, 3 letters.
        Site::Mla => {
            digits(4)
                || (code.len() == 8
                    && code.chars().enumerate().all(|(i, c)| match i {
                        0 | 5..=7 => c.is_ascii_uppercase(),
                        _ => c.is_ascii_digit(),
                    }))
        }
        Site::Mlm | Site::Mpe | Site::Mlu => digits(5),
        Site::Mco => digits(6),
        Site::Mlc => digits(7),
    };
    if ok {
        Ok(code)
    } else {
        Err(AddressError::PostalCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brazilian() -> RawAddress {
        RawAddress {
            postal_code: "01310-100".into(),
            state: "sp".into(),
            city: "São Paulo".into(),
            district: "Bela Vista".into(),
            street: "Avenida Paulista".into(),
            number: "1578".into(),
            apartment: "Sala 2".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_brazilian_address_is_normalised() {
        let a = DeliveryAddress::parse(&brazilian(), Site::Mlb).unwrap();
        assert_eq!(a.postal_code, "01310100");
        assert_eq!(a.state, "SP");
        assert_eq!(a.apartment.as_deref(), Some("Sala 2"));
        assert_eq!(a.floor, None);
    }

    #[test]
    fn bad_brazilian_addresses_say_what_is_wrong() {
        type Spoil = fn(&mut RawAddress);
        let cases: [(Spoil, AddressError); 5] = [
            (
                |a| a.postal_code = "0131-100".into(),
                AddressError::PostalCode,
            ),
            (
                |a| a.postal_code = "0131010A".into(),
                AddressError::PostalCode,
            ),
            (|a| a.state = "XX".into(), AddressError::State),
            (
                |a| a.district = " ".into(),
                AddressError::Missing(AddressField::District),
            ),
            (
                |a| a.street = "x".repeat(121),
                AddressError::TooLong(AddressField::Street),
            ),
        ];
        for (spoil, want) in cases {
            let mut raw = brazilian();
            spoil(&mut raw);
            assert_eq!(DeliveryAddress::parse(&raw, Site::Mlb), Err(want));
        }
    }

    #[test]
    fn each_site_has_its_postal_code() {
        for (site, good, bad) in [
            (Site::Mla, "C1425ABC", "C142ABCD"),
            (Site::Mla, "1425", "14250"),
            (Site::Mlm, "06700", "6700"),
            (Site::Mlc, "8320000", "832000"),
            (Site::Mco, "110111", "11011"),
        ] {
            assert!(postal_code(good, site).is_ok(), "{site:?} {good}");
            assert!(postal_code(bad, site).is_err(), "{site:?} {bad}");
        }
    }
}
