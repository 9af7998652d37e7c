//! Mercado Pago's webhook signature (FACTS §6.1): `x-signature: ts=<ts>,v1=<hex>` where v1 is
//! HMAC-SHA256(secret, "id:<data.id>;request-id:<x-request-id>;ts:<ts>;"), parts absent from
//! the request left out, `data.id` lowercased. Checked on the raw request, before any parsing.

use std::time::Duration;

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
    #[error("the signature's timestamp is outside the tolerance")]
    Stale,
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

/// Verifies in constant time; `now_unix` and `tolerance` bound how old `ts` may be. `ts` is
/// milliseconds in Mercado Pago's examples and seconds in its SDK validators: both are read.
pub fn verify(
    request: &SignedRequest<'_>,
    secret: &[u8],
    now_unix: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let header = request.x_signature.ok_or(SignatureError::Missing)?;
    let mut ts = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("ts", value)) => ts = Some(value.trim()),
            Some(("v1", value)) => v1 = Some(value.trim()),
            _ => {}
        }
    }
    let (ts, v1) = ts.zip(v1).ok_or(SignatureError::Malformed)?;
    let ts_number: i64 = ts.parse().map_err(|_| SignatureError::Malformed)?;
    let expected = hex::decode(v1).map_err(|_| SignatureError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(manifest(request.data_id, request.x_request_id, ts).as_bytes());
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)?;
    // Thirteen digits are milliseconds; ten are seconds.
    let ts_seconds = if ts_number > 100_000_000_000 {
        ts_number / 1000
    } else {
        ts_number
    };
    if (now_unix - ts_seconds).unsigned_abs() > tolerance.as_secs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"your-secret";
    const NOW_MS: i64 = 1_742_505_638_683;

    fn request<'a>(sig: &'a str) -> SignedRequest<'a> {
        SignedRequest {
            x_signature: Some(sig),
            x_request_id: Some("bb56a2f1-6aae-46ac-982e-9dcd3581d08e"),
            data_id: Some("123456"),
        }
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

    #[test]
    fn a_correct_signature_verifies_in_ms_and_in_seconds() {
        for ts in ["1742505638683", "1742505638"] {
            let v1 = sign(
                SECRET,
                &manifest(
                    Some("123456"),
                    Some("bb56a2f1-6aae-46ac-982e-9dcd3581d08e"),
                    ts,
                ),
            );
            let header = format!("ts={ts},v1={v1}");
            assert_eq!(
                verify(
                    &request(&header),
                    SECRET,
                    NOW_MS / 1000,
                    Duration::from_secs(300)
                ),
                Ok(())
            );
        }
    }

    #[test]
    fn forged_stale_missing_and_malformed_are_refused() {
        let ts = "1742505638683";
        let v1 = sign(
            SECRET,
            &manifest(
                Some("123456"),
                Some("bb56a2f1-6aae-46ac-982e-9dcd3581d08e"),
                ts,
            ),
        );
        let good = format!("ts={ts},v1={v1}");
        let now = NOW_MS / 1000;
        let tol = Duration::from_secs(300);
        assert_eq!(
            verify(&request(&good), b"wrong-secret", now, tol),
            Err(SignatureError::Mismatch)
        );
        let other_id = SignedRequest {
            data_id: Some("999"),
            ..request(&good)
        };
        assert_eq!(
            verify(&other_id, SECRET, now, tol),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&request(&good), SECRET, now + 301, tol),
            Err(SignatureError::Stale)
        );
        let missing = SignedRequest {
            x_signature: None,
            ..request(&good)
        };
        assert_eq!(
            verify(&missing, SECRET, now, tol),
            Err(SignatureError::Missing)
        );
        for bad in ["", "ts=1", "v1=ab", "ts=x,v1=ab", "ts=1,v1=zz"] {
            assert_eq!(
                verify(&request(bad), SECRET, now, tol),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        let flipped = good.replace(&v1[..2], if &v1[..2] == "00" { "11" } else { "00" });
        assert_eq!(
            verify(&request(&flipped), SECRET, now, tol),
            Err(SignatureError::Mismatch)
        );
    }
}
