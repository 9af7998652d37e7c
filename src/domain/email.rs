use std::fmt;

/// Not an email address (for the log: the shopper reads `Problem::EmailInvalid` in their
/// language).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

/// A payer's email address. Its `Debug` masks it, so it never reaches a log whole.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let raw = raw.trim();
        let bad = || InvalidEmail;
        if raw.len() > 254 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = raw.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(bad());
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `j***@example.com`: enough to tell two payers apart in a log, not to contact one.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", &self.0));
        let first = local.chars().next().unwrap_or('*');
        format!("{first}***@{domain}")
    }
}

/// Whole, as Mercado Pago's `payer.email` takes it.
impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::Email;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b.co",
            "test_user_123@testuser.com",
            " x.y+z@mail.example.com.br ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "", "a", "a@", "@b.co", "a@b", "a@.b.co", "a@b.co.", "a b@c.co", "a@b..co", "a@@b.co",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_the_whole_address() {
        let e = Email::parse("jonathan@example.com").unwrap();
        let shown = format!("{e:?}");
        assert!(!shown.contains("jonathan"));
        assert!(shown.contains("j***@example.com"));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") { let _ = Email::parse(&s); }
    }
}
