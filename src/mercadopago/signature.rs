//! Mercado Pago's webhook signature (FACTS §6.1): `x-signature: ts=<ts>,v1=<hex>` where v1 is
//! HMAC-SHA256(secret, "id:<data.id>;request-id:<x-request-id>;ts:<ts>;"), parts absent from
//! the request left out, `data.id` lowercased. Checked on the raw request, before any parsing.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no x-signature header")]
    Missing,
    #[error("x-signature is not ts=...,v1=...")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
}

/// The signed parts of a notification, as they arrived.
pub struct SignedRequest<'a> {
    pub x_signature: Option<&'a str>,
    pub x_request_id: Option<&'a str>,
    /// `data.id` from the query string.
    pub data_id: Option<&'a str>,
}

/// The manifest Mercado Pago signs.
pub fn manifest(data_id: Option<&str>, request_id: Option<&str>, ts: &str) -> String {
    let mut m = String::new();
    if let Some(id) = data_id.filter(|s| !s.is_empty()) {
        m.push_str(&format!("id:{};", id.to_lowercase()));
    }
    if let Some(rid) = request_id.filter(|s| !s.is_empty()) {
        m.push_str(&format!("request-id:{rid};"));
    }
    m.push_str(&format!("ts:{ts};"));
    m
}

/// Hex HMAC of a manifest, as Mercado Pago puts in `v1`.
pub fn sign(secret: &[u8], manifest: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(manifest.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `ts` of an `x-signature` header: when Mercado Pago signed the notification.
pub fn timestamp(x_signature: &str) -> Option<&str> {
    x_signature
        .split(',')
        .find_map(|part| part.trim().strip_prefix("ts="))
        .map(str::trim)
}

/// `ts` and `v1` of an `x-signature` header; other parts are ignored.
fn parts(x_signature: &str) -> Option<(&str, &str)> {
    let mut ts = None;
    let mut v1 = None;
    for part in x_signature.split(',') {
        match part.trim().split_once('=') {
            Some(("ts", value)) => ts = Some(value.trim()),
            Some(("v1", value)) => v1 = Some(value.trim()),
            _ => {}
        }
    }
    ts.zip(v1)
}

/// The signature as `ts=<ts>,v1=<v1 in lower case>`, for telling one notification from
/// another: the parts `verify` ignores (padding, spaces, the hex's case) could otherwise make
/// one notification look like many, or a key too long to index.
pub fn canonical(x_signature: &str) -> Option<String> {
    parts(x_signature).map(|(ts, v1)| format!("ts={ts},v1={}", v1.to_ascii_lowercase()))
}

/// Verifies in constant time. `ts` is not held against the notification, however old: Mercado
/// Pago retries one notification for hours, nothing says it signs each retry anew, and a
/// notification only makes us re-read the payment from the API, so a replay can do no harm.
pub fn verify(request: &SignedRequest<'_>, secret: &[u8]) -> Result<(), SignatureError> {
    let header = request.x_signature.ok_or(SignatureError::Missing)?;
    let (ts, v1) = parts(header).ok_or(SignatureError::Malformed)?;
    ts.parse::<i64>().map_err(|_| SignatureError::Malformed)?;
    let expected = hex::decode(v1).map_err(|_| SignatureError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(manifest(request.data_id, request.x_request_id, ts).as_bytes());
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"your-secret";

    fn request<'a>(sig: &'a str) -> SignedRequest<'a> {
        SignedRequest {
            x_signature: Some(sig),
            x_request_id: Some("bb56a2f1-6aae-46ac-982e-9dcd3581d08e"),
            data_id: Some("123456"),
        }
    }

    #[test]
    fn the_canonical_signature_drops_what_verify_ignores() {
        let v1 = signed("1742505638683");
        let plain = format!("ts=1742505638683,v1={v1}");
        let padded = format!(
            " ts=1742505638683 , v1={}, pad={}",
            v1.to_uppercase(),
            "x".repeat(3000)
        );
        assert_eq!(verify(&request(&padded), SECRET), Ok(()));
        assert_eq!(canonical(&padded), Some(plain.clone()));
        assert_eq!(canonical(&plain), Some(plain));
        assert_eq!(canonical("v1=ab"), None);
    }

    #[test]
    fn manifest_matches_the_documented_example() {
        assert_eq!(
            manifest(
                Some("123456"),
                Some("bb56a2f1-6aae-46ac-982e-9dcd3581d08e"),
                "1742505638683"
            ),
            "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1742505638683;"
        );
        assert_eq!(manifest(Some("ABC"), None, "1"), "id:abc;ts:1;");
        assert_eq!(manifest(None, None, "1"), "ts:1;");
    }

    /// The v1 of payment 123456's notification at `ts`.
    fn signed(ts: &str) -> String {
        let request_id = Some("bb56a2f1-6aae-46ac-982e-9dcd3581d08e");
        sign(SECRET, &manifest(Some("123456"), request_id, ts))
    }

    #[test]
    fn a_correct_signature_verifies_in_ms_and_in_seconds() {
        for ts in ["1742505638683", "1742505638"] {
            let v1 = signed(ts);
            let header = format!("ts={ts},v1={v1}");
            assert_eq!(verify(&request(&header), SECRET), Ok(()));
        }
    }

    #[test]
    fn forged_missing_and_malformed_are_refused_and_age_is_not() {
        let ts = "1742505638683";
        let v1 = signed(ts);
        let good = format!("ts={ts},v1={v1}");
        assert_eq!(
            verify(&request(&good), b"wrong-secret"),
            Err(SignatureError::Mismatch)
        );
        let other_id = SignedRequest {
            data_id: Some("999"),
            ..request(&good)
        };
        assert_eq!(verify(&other_id, SECRET), Err(SignatureError::Mismatch));
        // Signed years ago (2025) and still good: age is no reason to refuse.
        assert_eq!(verify(&request(&good), SECRET), Ok(()));
        let missing = SignedRequest {
            x_signature: None,
            ..request(&good)
        };
        assert_eq!(verify(&missing, SECRET), Err(SignatureError::Missing));
        for bad in ["", "ts=1", "v1=ab", "ts=x,v1=ab", "ts=1,v1=zz"] {
            assert_eq!(
                verify(&request(bad), SECRET),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        let flipped = good.replace(&v1[..2], if &v1[..2] == "00" { "11" } else { "00" });
        assert_eq!(
            verify(&request(&flipped), SECRET),
            Err(SignatureError::Mismatch)
        );
    }
}
