//! What the store sends Mercado Pago so that honest shoppers get approved: 3-D Secure, the
//! text on the card bill, binary mode, and the Status Screen Brick on the result page
//! (`MP_THREE_DS`, `MP_STATEMENT_DESCRIPTOR`, `MP_BINARY_MODE`, `MP_STATUS_SCREEN`; README
//! table, `docs/APPROVAL.md`).

use crate::env::{problem, ConfigError};

/// `three_d_secure_mode` for card payments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ThreeDsMode {
    /// Mercado Pago decides by risk whether the issuer challenges the shopper.
    #[default]
    Optional,
    /// No challenge ever; issuers that require 3-D Secure decline (`cc_rejected_3ds_mandatory`).
    NotSupported,
}

impl ThreeDsMode {
    /// The field's value, or `None` where Mercado Pago's default (`not_supported`) applies.
    pub fn field(self) -> Option<&'static str> {
        match self {
            ThreeDsMode::Optional => Some("optional"),
            ThreeDsMode::NotSupported => None,
        }
    }
}

/// `statement_descriptor`: what the shopper reads on the card bill, at most 22 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementDescriptor(String);

impl StatementDescriptor {
    pub const MAX: usize = 22;

    /// Letters, digits, spaces and `.-*`, 1 to 22 of them: what card networks print.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        if text.is_empty() || text.chars().count() > Self::MAX {
            return Err(format!(
                "must be 1 to {} characters (it is what shoppers read on their card bill)",
                Self::MAX
            ));
        }
        let printable = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '*'));
        if !printable {
            return Err(
                "may hold only letters A-Z, digits, spaces and . - * (card bills print nothing else)"
                    .into(),
            );
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The default is every variable unset: 3-D Secure optional, nothing else sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalSettings {
    pub three_ds: ThreeDsMode,
    pub statement_descriptor: Option<StatementDescriptor>,
    /// `binary_mode` as the merchant set it; unset sends nothing (Mercado Pago's `false`).
    pub binary_mode: Option<bool>,
    /// Embed the Status Screen Brick on the result page of card payments; unset: in live mode
    /// only (the sandbox uses the emulator's stand-in when asked).
    pub status_screen: Option<bool>,
}

impl ApprovalSettings {
    pub fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let three_ds = match get("MP_THREE_DS").map(|v| v.trim().to_ascii_lowercase()) {
            None => ThreeDsMode::Optional,
            Some(v) if v == "optional" => ThreeDsMode::Optional,
            Some(v) if v == "not_supported" => ThreeDsMode::NotSupported,
            Some(_) => {
                return Err(problem(
                    "MP_THREE_DS",
                    "must be optional (Mercado Pago asks for 3-D Secure when the issuer wants it) or not_supported",
                ))
            }
        };
        let statement_descriptor = get("MP_STATEMENT_DESCRIPTOR")
            .map(|raw| {
                StatementDescriptor::parse(&raw).map_err(|m| problem("MP_STATEMENT_DESCRIPTOR", m))
            })
            .transpose()?;
        let binary_mode = optional_flag(get, "MP_BINARY_MODE")?;
        if binary_mode == Some(true) && three_ds == ThreeDsMode::Optional {
            return Err(problem(
                "MP_BINARY_MODE",
                "true leaves no room for a 3-D Secure challenge (Mercado Pago requires binary_mode false for one): set MP_THREE_DS=not_supported as well, or leave MP_BINARY_MODE unset",
            ));
        }
        Ok(Self {
            three_ds,
            statement_descriptor,
            binary_mode,
            status_screen: optional_flag(get, "MP_STATUS_SCREEN")?,
        })
    }
}

fn optional_flag(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, ConfigError> {
    match get(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes") => Ok(Some(true)),
        Some(v) if matches!(v.as_str(), "false" | "0" | "no") => Ok(Some(false)),
        Some(_) => Err(problem(name, "must be true or false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<ApprovalSettings, ConfigError> {
        ApprovalSettings::from_lookup(&crate::env::pairs(vars))
    }

    #[test]
    fn defaults_ask_for_3ds_and_send_nothing_else() {
        let s = settings(&[]).unwrap();
        assert_eq!(s, ApprovalSettings::default());
        assert_eq!(s.three_ds.field(), Some("optional"));
        assert_eq!(ThreeDsMode::NotSupported.field(), None);
    }

    #[test]
    fn a_statement_descriptor_is_what_a_card_bill_can_print() {
        assert_eq!(
            StatementDescriptor::parse(" LOJA DO ZE ").unwrap().as_str(),
            "LOJA DO ZE"
        );
        assert!(StatementDescriptor::parse("A".repeat(22).as_str()).is_ok());
        assert!(StatementDescriptor::parse("A".repeat(23).as_str()).is_err());
        assert!(StatementDescriptor::parse("Lojá").is_err());
        assert!(StatementDescriptor::parse("<script>").is_err());
        let e = settings(&[("MP_STATEMENT_DESCRIPTOR", "a much too long descriptor")]).unwrap_err();
        assert!(e.to_string().contains("MP_STATEMENT_DESCRIPTOR"), "{e}");
    }

    #[test]
    fn binary_mode_cannot_be_combined_with_3ds() {
        let e = settings(&[("MP_BINARY_MODE", "true")]).unwrap_err();
        assert!(e.to_string().contains("MP_THREE_DS"), "{e}");
        let s = settings(&[("MP_BINARY_MODE", "true"), ("MP_THREE_DS", "not_supported")]).unwrap();
        assert_eq!(s.binary_mode, Some(true));
        assert_eq!(s.three_ds, ThreeDsMode::NotSupported);
        assert!(settings(&[("MP_THREE_DS", "always")]).is_err());
        assert!(settings(&[("MP_STATUS_SCREEN", "maybe")]).is_err());
    }
}
