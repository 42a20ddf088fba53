//! Signing webhook bodies: HMAC-SHA256 over `"<unix timestamp>.<body>"` with the
//! subscription's secret, sent as `Stint-Signature: t=<unix timestamp>,v1=<hex digest>`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "stint-signature";

/// The hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`.
pub fn digest(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Stint-Signature` header value.
pub fn header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", digest(secret, timestamp, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" — here the
        // data is split as "<timestamp>.<body>" would be.
        let d = digest("Jefe", 0, b"what do ya want for nothing?");
        let direct = {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
            mac.update(b"0.what do ya want for nothing?");
            hex::encode(mac.finalize().into_bytes())
        };
        assert_eq!(d, direct);
        let rfc = {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
            mac.update(b"what do ya want for nothing?");
            hex::encode(mac.finalize().into_bytes())
        };
        assert_eq!(
            rfc,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn header_shape() {
        let h = header("s3cret", 1_700_000_000, b"{}");
        assert!(h.starts_with("t=1700000000,v1="), "{h}");
        assert_eq!(h.len(), "t=1700000000,v1=".len() + 64);
    }
}
