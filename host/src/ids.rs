//! Prefixed, sortable identifiers (`tsk_01jd…`): a type prefix and a lower-case ULID, so ids sort
//! by creation time and tell what they point at.

/// A fresh id with the given prefix, e.g. `new_id("tsk")` → `tsk_01jd6…`.
pub fn new_id(prefix: &str) -> String {
    let ulid = ulid::Ulid::new().to_string().to_ascii_lowercase();
    let mut id = String::with_capacity(prefix.len() + 1 + ulid.len());
    id.push_str(prefix);
    id.push('_');
    id.push_str(&ulid);
    id
}

/// The prefix of an id (`"tsk"` for `tsk_…`), if it has one.
pub fn prefix(id: &str) -> Option<&str> {
    id.split_once('_').map(|(p, _)| p)
}

/// A random secret of `bytes` bytes, URL-safe base64 without padding.
pub fn secret(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a secret, hex-encoded: how tokens are stored at rest.
pub fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_sort_by_time() {
        let a = new_id("tsk");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id("tsk");
        assert_eq!(prefix(&a), Some("tsk"));
        assert!(a < b, "{a} should sort before {b}");
        assert_eq!(a.len(), 4 + 26);
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(secret(32), secret(32));
        assert_eq!(hash_secret("x"), hash_secret("x"));
        assert_eq!(hash_secret("x").len(), 64);
    }
}
