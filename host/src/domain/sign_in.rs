//! Proving an account with its e-mail address and password, under the per-account login
//! throttle: what every sign-in (the REST login, the OAuth authorization page) checks. Kept apart
//! from `accounts` so that the modules signing in (accounts, oauth) depend on it and not on
//! each other.

use crate::auth::password;
use crate::domain::Services;
use crate::error::{Error, Result};
use crate::model::accounts::User;
use crate::store;

/// The account an e-mail address and password prove, under the per-account login throttle:
/// what every sign-in (the REST login, the OAuth authorization page) checks.
pub async fn check_credentials(app: &Services, email: &str, password: String) -> Result<User> {
    let email = email.trim().to_lowercase();
    // Per account, beside the per-address limit of anonymous routes: guessing one account's
    // password from many addresses is throttled too.
    app.login_throttle.check(&email)?;
    let user = store::accounts::user_by_email(&mut &app.db, &email).await?;
    let stored = match &user {
        Some(u) => store::accounts::password_hash(&mut &app.db, &u.id).await?,
        None => None,
    };
    let ok = password::verify(password, stored).await?;
    let Some(user) = user.filter(|_| ok) else {
        app.login_throttle.failed(&email);
        return Err(Error::Unauthorized("invalid email or password".into()));
    };
    app.login_throttle.succeeded(&email);
    Ok(user)
}
