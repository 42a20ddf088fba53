//! Outgoing mail: over SMTP when configured, otherwise written to the log so that a server with no
//! mail set-up still lets an operator hand out reset links.

use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpConfig;

/// A file attached to a mail.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name shown to the recipient.
    pub filename: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

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
        self.send_with(to, subject, body, None);
    }

    /// Like [`Mailer::send`], with one file attached (e.g. an invoice PDF). Without SMTP the log
    /// line names the attachment.
    pub fn send_with_attachment(&self, to: &str, subject: &str, body: String, file: Attachment) {
        self.send_with(to, subject, body, Some(file));
    }

    fn send_with(&self, to: &str, subject: &str, body: String, file: Option<Attachment>) {
        let Some((transport, from)) = &self.smtp else {
            match &file {
                None => {
                    tracing::info!(target: "stint::mail", %to, %subject, %body, "mail (no SMTP configured)")
                }
                Some(f) => tracing::info!(
                    target: "stint::mail",
                    %to,
                    attachment = %f.filename,
                    %subject,
                    %body,
                    "mail (no SMTP configured)"
                ),
            }
            return;
        };
        let message = match to
            .parse::<Mailbox>()
            .map_err(anyhow::Error::from)
            .and_then(|to| {
                let builder = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject);
                match file {
                    None => builder.body(body).map_err(Into::into),
                    Some(f) => {
                        let content_type = ContentType::parse(f.content_type)?;
                        builder
                            .multipart(
                                MultiPart::mixed()
                                    .singlepart(SinglePart::plain(body))
                                    .singlepart(
                                        LettreAttachment::new(f.filename)
                                            .body(f.bytes, content_type),
                                    ),
                            )
                            .map_err(Into::into)
                    }
                }
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
