//! Outgoing mail: over SMTP when configured, otherwise written to the log so that a server with no
//! mail set-up still lets an operator hand out reset links.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpConfig;

/// Sends mail, or logs it when no SMTP server is configured.
pub struct Mailer {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl Mailer {
    /// A mailer for the given settings; `None` logs instead of sending.
    pub fn new(config: Option<&SmtpConfig>) -> anyhow::Result<Mailer> {
        let smtp = match config {
            None => None,
            Some(c) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&c.url)?.build();
                Some((transport, c.from.parse()?))
            }
        };
        Ok(Mailer { smtp })
    }

    /// Whether mail really leaves the server.
    pub fn is_configured(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends a plain-text message in the background; failures are logged, never surfaced to the
    /// request that caused the mail (which must not reveal whether an address exists).
    pub fn send(&self, to: &str, subject: &str, body: String) {
        let Some((transport, from)) = &self.smtp else {
            tracing::info!(target: "stint::mail", %to, %subject, %body, "mail (no SMTP configured)");
            return;
        };
        let message = match to
            .parse::<Mailbox>()
            .map_err(anyhow::Error::from)
            .and_then(|to| {
                Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .body(body)
                    .map_err(Into::into)
            }) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(%to, error = %e, "cannot build mail");
                return;
            }
        };
        let transport = transport.clone();
        let to = to.to_owned();
        tokio::spawn(async move {
            if let Err(e) = transport.send(message).await {
                tracing::warn!(%to, error = %e, "sending mail failed");
            }
        });
    }
}
