//! HS256 access tokens: `sub` (user id), `iat`, `exp` and `sid` (the login session, i.e. the
//! refresh-token family, so a password change can end every session but the caller's); the algorithm is pinned on decode, so a
//! token claiming `alg: none` or any other algorithm is refused.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The claims Stint puts in an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// The login session (refresh-token family) the token belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Signing and verification keys derived from the configured secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    /// Keys for `secret`, issuing tokens valid for `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// Seconds an access token lives (`expires_in`).
    pub fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs()
    }

    /// Issues an access token for `user_id` in the login session `session` (a refresh-token
    /// family).
    pub fn issue(&self, user_id: &str, session: &str) -> Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_owned(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            sid: Some(session.to_owned()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(e.into()))
    }

    /// Signs claims made for one purpose other than access (an OAuth consent ticket): they must
    /// carry `exp` and an `aud` naming the purpose, and no `sub`, so that such a token is never
    /// accepted as an access token (whose verification requires `sub` and refuses any `aud`),
    /// nor an access token as one of them (see [`JwtKeys::verify_for`]).
    pub fn sign_for<T: Serialize>(&self, claims: &T) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| Error::Internal(e.into()))
    }

    /// Verifies a token made by [`JwtKeys::sign_for`] for `audience`: signature, algorithm,
    /// expiry and audience. `None` for anything else (a forged, expired or foreign token).
    pub fn verify_for<T: DeserializeOwned>(&self, token: &str, audience: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "aud"]);
        validation.set_audience(&[audience]);
        validation.leeway = 5;
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }

    /// Verifies signature, algorithm and expiry; returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    Error::Unauthorized("access token expired".into())
                }
                _ => Error::Unauthorized("invalid access token".into()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let keys = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(900),
        );
        let token = keys.issue("usr_1", "rtf_1").unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "usr_1");
        assert_eq!(claims.sid.as_deref(), Some("rtf_1"));

        let other = JwtKeys::new(
            b"ffffffffffffffffffffffffffffffff",
            Duration::from_secs(900),
        );
        assert!(other.verify(&token).is_err(), "forged signature accepted");

        // alg: none with the same claims
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = token.split('.').nth(1).unwrap();
        let none = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            payload
        );
        assert!(keys.verify(&none).is_err(), "alg none accepted");
    }

    #[test]
    fn purpose_tokens_and_access_tokens_do_not_mix() {
        #[derive(Serialize, Deserialize)]
        struct Ticket {
            aud: String,
            exp: i64,
            usr: String,
        }
        let keys = JwtKeys::new(
            b"0123456789abcdef0123456789abcdef",
            Duration::from_secs(900),
        );
        let exp = chrono::Utc::now().timestamp() + 600;
        let ticket = keys
            .sign_for(&Ticket {
                aud: "consent".into(),
                exp,
                usr: "usr_1".into(),
            })
            .unwrap();
        let back: Ticket = keys.verify_for(&ticket, "consent").unwrap();
        assert_eq!(back.usr, "usr_1");
        assert!(keys.verify_for::<Ticket>(&ticket, "other").is_none());
        assert!(
            keys.verify(&ticket).is_err(),
            "a ticket accepted as access token"
        );
        let access = keys.issue("usr_1", "rtf_1").unwrap();
        assert!(
            keys.verify_for::<serde_json::Value>(&access, "consent")
                .is_none(),
            "an access token accepted as a ticket"
        );
        let expired = keys
            .sign_for(&Ticket {
                aud: "consent".into(),
                exp: exp - 3600,
                usr: "usr_1".into(),
            })
            .unwrap();
        assert!(keys.verify_for::<Ticket>(&expired, "consent").is_none());
    }
}
