//! The device id MercadoPago.js makes in the shopper's browser (`MP_DEVICE_SESSION_ID`), sent
//! to Mercado Pago with the payment as `X-meli-session-id` for its fraud scoring (FACTS §8.3).

/// An opaque id; anything else in the header is dropped, never refused: a payment is not
/// worth losing over a fraud hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId(String);

impl DeviceId {
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let ok = (8..=128).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        ok.then(|| Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::DeviceId;

    #[test]
    fn only_an_opaque_id_is_kept() {
        assert_eq!(
            DeviceId::parse(" armor.4f9c1d2e8a7b6c5d ")
                .unwrap()
                .as_str(),
            "armor.4f9c1d2e8a7b6c5d"
        );
        assert!(DeviceId::parse("short").is_none());
        assert!(DeviceId::parse("has space inside it").is_none());
        assert!(DeviceId::parse("line\nbreak-injected-header").is_none());
        assert!(DeviceId::parse(&"a".repeat(129)).is_none());
    }
}
