//! Argon2id password hashing, run off the async executor because it is deliberately slow.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::error::{Error, Result};

/// Shortest password accepted, as TRCR documents.
pub const MIN_LENGTH: usize = 8;
/// Longest password accepted; hashing cost grows with length.
pub const MAX_LENGTH: usize = 1024;

/// Checks the length rules and names the field on failure.
pub fn validate(field: &str, password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_LENGTH {
        return Err(Error::invalid_field(
            field,
            format!("{field} must be at least {MIN_LENGTH} characters"),
        ));
    }
    if password.len() > MAX_LENGTH {
        return Err(Error::invalid_field(
            field,
            format!("{field} must be at most {MAX_LENGTH} bytes"),
        ));
    }
    Ok(())
}

/// Argon2id takes ~19 MiB and tens of milliseconds per hash. Running more hashes at once than
/// there are cores only queues them on the blocking pool — where every thread's allocator arena
/// keeps its 19 MiB — so a registration or login storm is bounded to one hash per core.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    tokio::sync::Semaphore::new(cores)
});

async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(e.into()))?
}

/// Hashes a password with Argon2id and a random salt (PHC string format).
pub async fn hash(password: String) -> Result<String> {
    bounded(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing password: {e}")))
    })
    .await
}

/// Verifies a password against a stored hash. With no stored hash (unknown account) it still
/// spends the same time against a dummy, so response time does not reveal which emails exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    bounded(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&stored).map_err(|e| {
            Error::Internal(anyhow::anyhow!("stored password hash is invalid: {e}"))
        })?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known)
    })
    .await
}

/// Argon2id hash of a random string nobody knows, made once with the default parameters.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    Argon2::default()
        .hash_password(crate::ids::secret(24).as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_reject() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn length_rules() {
        assert!(validate("password", "short").is_err());
        assert!(validate("password", "long enough").is_ok());
    }
}
