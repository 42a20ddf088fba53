//! The only way Stint sends a webhook: an HTTP client that connects to checked addresses only.
//!
//! - Only `http` and `https` URLs; no proxies (a proxy would connect on our behalf).
//! - Host names are resolved by [`CheckedResolver`], which drops every address the
//!   [`AddressPolicy`] refuses, so the connection is made to an address that was checked — there
//!   is no gap between checking and connecting for DNS to change its answer in.
//! - IP-literal hosts never reach a resolver; they are checked before the request and on every
//!   redirect hop by the redirect policy, which also re-checks the scheme and counts hops.
//! - Connect and total timeouts; the response body is read up to a cap and then dropped.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use url::Url;

use super::address::{AddressPolicy, Refused};

/// Redirects followed per request.
pub const MAX_REDIRECTS: usize = 5;
/// Bytes of a response body kept for the delivery log (the rest is not read).
pub const RESPONSE_EXCERPT_BYTES: usize = 4 * 1024;

/// Why a URL may not be used at all (never retried).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not an absolute URL.
    #[error("not a valid URL: {0}")]
    Syntax(String),
    /// A scheme other than http and https.
    #[error("scheme `{0}` is not allowed (only http and https)")]
    Scheme(String),
    /// No host, or credentials in the URL.
    #[error("{0}")]
    Shape(&'static str),
    /// An address the policy refuses.
    #[error(transparent)]
    Address(#[from] Refused),
    /// A host name with no address the policy allows.
    #[error("{host} resolves only to refused addresses ({reason})")]
    Resolved {
        /// The host name.
        host: String,
        /// The first refusal.
        reason: Refused,
    },
}

/// Checks what can be checked without DNS: syntax, scheme, no user-info, and an IP-literal
/// host against the policy. Host names are checked when they are resolved.
pub fn check_url(policy: &AddressPolicy, raw: &str) -> Result<Url, TargetError> {
    let url = Url::parse(raw).map_err(|e| TargetError::Syntax(e.to_string()))?;
    check_parsed(policy, &url)?;
    Ok(url)
}

fn check_parsed(policy: &AddressPolicy, url: &Url) -> Result<(), TargetError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::Scheme(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::Shape(
            "credentials in the URL are not allowed (use a header or the signature)",
        ));
    }
    match url.host() {
        None => Err(TargetError::Shape("the URL has no host")),
        Some(url::Host::Ipv4(ip)) => Ok(policy.check(IpAddr::V4(ip))?),
        Some(url::Host::Ipv6(ip)) => Ok(policy.check(IpAddr::V6(ip))?),
        Some(url::Host::Domain(_)) => Ok(()),
    }
}

/// Resolves with the system resolver, then keeps only the addresses the policy allows.
#[derive(Debug)]
pub struct CheckedResolver {
    policy: Arc<AddressPolicy>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut first_refusal = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match policy.check(a.ip()) {
                    Ok(()) => true,
                    Err(r) => {
                        first_refusal.get_or_insert(r);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = match first_refusal {
                    Some(reason) => Box::new(TargetError::Resolved { host, reason }),
                    None => format!("{host} has no address").into(),
                };
                return Err(err);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The address policy.
    pub policy: AddressPolicy,
    /// Connecting, TLS included.
    pub connect_timeout: Duration,
    /// The whole request, response head included.
    pub timeout: Duration,
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// `POST`, `PUT` or `PATCH`.
    pub method: reqwest::Method,
    /// The target.
    pub url: String,
    /// Headers, signature and idempotency headers included.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// What one attempt gave.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The response status, when a response came.
    pub status: Option<u16>,
    /// The start of the response body (lossy UTF-8).
    pub excerpt: Option<String>,
    /// Why it failed before a response, if it did.
    pub error: Option<String>,
    /// Whether retrying cannot help (a refused target).
    pub permanent: bool,
    /// From sending to the end of the (capped) body.
    pub elapsed: Duration,
}

impl Answer {
    /// A 2xx response.
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The webhook HTTP client: cheap to clone.
#[derive(Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    policy: Arc<AddressPolicy>,
}

impl WebhookClient {
    /// Builds the client.
    pub fn new(settings: ClientSettings) -> anyhow::Result<WebhookClient> {
        let policy = Arc::new(settings.policy);
        let hop_policy = policy.clone();
        let redirects = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
            }
            match check_parsed(&hop_policy, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let http = reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(CheckedResolver {
                policy: policy.clone(),
            }))
            .redirect(redirects)
            .retry(reqwest::retry::never())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("Stint-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookClient { http, policy })
    }

    /// The address policy in force.
    pub fn policy(&self) -> &AddressPolicy {
        &self.policy
    }

    /// Sends one request and reads at most [`RESPONSE_EXCERPT_BYTES`] of the answer.
    #[tracing::instrument(name = "webhook.send", skip_all, fields(url = %req.url))]
    pub async fn send(&self, req: Outgoing) -> Answer {
        let started = Instant::now();
        let refused = |e: TargetError, started: Instant| Answer {
            status: None,
            excerpt: None,
            error: Some(format!("refused: {e}")),
            permanent: true,
            elapsed: started.elapsed(),
        };
        let url = match check_url(&self.policy, &req.url) {
            Ok(url) => url,
            Err(e) => return refused(e, started),
        };
        let mut builder = self.http.request(req.method, url).body(req.body);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = match builder.send().await {
            Ok(r) => r,
            Err(e) => {
                if let Some(t) = target_error(&e) {
                    return refused(t, started);
                }
                return Answer {
                    status: None,
                    excerpt: None,
                    error: Some(describe(&e)),
                    permanent: false,
                    elapsed: started.elapsed(),
                };
            }
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < RESPONSE_EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(RESPONSE_EXCERPT_BYTES);
        Answer {
            status: Some(status),
            excerpt: (!body.is_empty()).then(|| String::from_utf8_lossy(&body).into_owned()),
            error: None,
            permanent: false,
            elapsed: started.elapsed(),
        }
    }
}

/// The policy refusal inside a reqwest error (from the resolver or the redirect policy).
fn target_error(e: &reqwest::Error) -> Option<TargetError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<TargetError>() {
            return Some(t.clone());
        }
        source = s.source();
    }
    None
}

/// A reqwest error with its causes, one line.
fn describe(e: &reqwest::Error) -> String {
    let mut out = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_checked_without_connecting() {
        let none = AddressPolicy::default();
        assert!(matches!(
            check_url(&none, "file:///etc/passwd"),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            check_url(&none, "gopher://example.com/"),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            check_url(&none, "not a url"),
            Err(TargetError::Syntax(_))
        ));
        assert!(matches!(
            check_url(&none, "http://user:pw@example.com/"),
            Err(TargetError::Shape(_))
        ));
        for refused in [
            "http://127.0.0.1:8080/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.1.1/",
            "http://2130706433/",
        ] {
            assert!(
                matches!(check_url(&none, refused), Err(TargetError::Address(_))),
                "{refused}"
            );
        }
        assert!(check_url(&none, "https://hooks.example.com/x").is_ok());
        let local = AddressPolicy::parse(&["127.0.0.1"]).unwrap();
        assert!(check_url(&local, "http://127.0.0.1:9/").is_ok());
        assert!(check_url(&local, "http://127.0.0.2:9/").is_err());
    }
}
