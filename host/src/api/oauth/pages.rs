//! The authorization server's pages: sign-in, consent, error. Small server-rendered HTML with no
//! script and no external asset; every interpolated value is escaped. Each answer forbids
//! framing and caching, and its `Content-Security-Policy` lets forms post only to Stint and to the
//! origin of the redirect URI the approval sends the browser to (browsers apply `form-action` to
//! the redirect after a form submission).
//!
//! Field names are stable for scripts and tests: the sign-in form posts `step=login`, `email`,
//! `password` and the request's parameters as hidden fields; the consent form posts `ticket`
//! (`<input type="hidden" name="ticket" value="…">`), `org_id` (a `<select>` of
//! `<option value="org_…">Name</option>`) and `step=approve` or `step=deny`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::domain::oauth::{AuthorizationRequest, Consent};

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f5f5f4;color:#1c1917;margin:0}\
main{max-width:28rem;margin:3rem auto;background:#fff;border:1px solid #e7e5e4;border-radius:.75rem;padding:1.75rem 2rem}\
h1{font-size:1.3rem;margin:0 0 1rem}p{line-height:1.45}label{display:block;margin:.9rem 0 .3rem;font-weight:600}\
input[type=email],input[type=password],select{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #a8a29e;border-radius:.4rem;font-size:1rem}\
button{margin-top:1.2rem;margin-right:.5rem;padding:.55rem 1.2rem;border-radius:.4rem;border:1px solid #1c1917;font-size:1rem;cursor:pointer}\
button.primary{background:#1c1917;color:#fff}button.secondary{background:#fff;color:#1c1917}\
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;padding:.6rem .8rem;border-radius:.4rem}\
.muted{color:#57534e;font-size:.9rem}code{word-break:break-all}ul{padding-left:1.2rem}";

/// Escapes text for HTML content and double- or single-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The origin of a redirect URI, for `form-action` (`None` when it has none to name).
fn origin(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn page(status: StatusCode, title: &str, body: &str, redirect_uri: Option<&str>) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{} · Stint</title><style>{STYLE}</style></head>\n<body><main>\n{body}\n</main></body></html>\n",
        escape(title)
    );
    let mut csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'".to_owned();
    if let Some(o) = redirect_uri.and_then(origin) {
        csp.push(' ');
        csp.push_str(&o);
    }
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
        escape(name),
        escape(value)
    )
}

fn alert(message: Option<&str>) -> String {
    message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(m)))
        .unwrap_or_default()
}

/// Where the answer goes, as the user should read it: the redirect URI's host (and port).
fn destination(uri: &str) -> String {
    url::Url::parse(uri)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_else(|| uri.to_owned())
}

/// The sign-in page of a valid authorization request.
pub fn login(
    status: StatusCode,
    req: &AuthorizationRequest,
    email: Option<&str>,
    message: Option<&str>,
) -> Response {
    let mut fields = String::new();
    fields.push_str(&hidden("step", "login"));
    fields.push_str(&hidden("response_type", "code"));
    fields.push_str(&hidden("client_id", &req.client.id));
    fields.push_str(&hidden("redirect_uri", &req.redirect_uri));
    fields.push_str(&hidden("code_challenge", &req.code_challenge));
    fields.push_str(&hidden("code_challenge_method", "S256"));
    fields.push_str(&hidden("state", &req.state));
    fields.push_str(&hidden("scope", &req.scope));
    if let Some(resource) = &req.resource {
        fields.push_str(&hidden("resource", resource));
    }
    let body = format!(
        "<h1>Sign in to Stint</h1>\n\
         <p><strong>{client}</strong> asks to use Stint on your behalf. Sign in to continue; next you choose \
         which organization it may use.</p>\n{alert}\
         <form method=\"post\" action=\"authorize\">\n{fields}\
         <label for=\"email\">E-mail</label>\n\
         <input type=\"email\" id=\"email\" name=\"email\" value=\"{email}\" autocomplete=\"username\" required autofocus>\n\
         <label for=\"password\">Password</label>\n\
         <input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\n\
         <button type=\"submit\" class=\"primary\">Sign in</button>\n\
         </form>\n\
         <p class=\"muted\">Afterwards you go back to <code>{dest}</code>.</p>",
        client = escape(&req.client.name),
        alert = alert(message),
        email = escape(email.unwrap_or_default()),
        dest = escape(&destination(&req.redirect_uri)),
    );
    page(status, "Sign in", &body, Some(&req.redirect_uri))
}

/// The consent page: what the client may do, the organization to bind it to, Approve / Deny.
pub fn consent(status: StatusCode, consent: &Consent, message: Option<&str>) -> Response {
    let client = escape(&consent.client_name);
    let choice = if consent.orgs.is_empty() {
        "<p class=\"error\">You are not a member of any organization yet, so there is nothing to \
         grant. Create or join one in Stint first.</p>\n"
            .to_owned()
    } else {
        let options: String = consent
            .orgs
            .iter()
            .map(|o| {
                format!(
                    "<option value=\"{}\">{}</option>\n",
                    escape(&o.id),
                    escape(&o.name)
                )
            })
            .collect();
        format!(
            "<label for=\"org_id\">Organization</label>\n\
             <select id=\"org_id\" name=\"org_id\" required>\n{options}</select>\n"
        )
    };
    let approve = if consent.orgs.is_empty() {
        ""
    } else {
        "<button type=\"submit\" name=\"step\" value=\"approve\" class=\"primary\">Approve</button>\n"
    };
    let body = format!(
        "<h1>Allow {client} to use Stint?</h1>\n\
         <p class=\"muted\">Signed in as {name} ({email}).</p>\n{alert}\
         <p><strong>{client}</strong> will be able to act as you in the <strong>one</strong> organization you \
         choose, with your role's permissions there:</p>\n\
         <ul><li>read and change its projects, tasks, time entries, clients, invoices and chat;</li>\n\
         <li>nothing in your other organizations;</li>\n\
         <li>not create organizations, mint tokens or change your account.</li></ul>\n\
         <form method=\"post\" action=\"authorize\">\n{ticket}{choice}{approve}\
         <button type=\"submit\" name=\"step\" value=\"deny\" class=\"secondary\" formnovalidate>Deny</button>\n\
         </form>\n\
         <p class=\"muted\">Either way you go back to <code>{dest}</code>. You can revoke this access at \
         any time from your account.</p>",
        name = escape(&consent.user_name),
        email = escape(&consent.user_email),
        alert = alert(message),
        ticket = hidden("ticket", &consent.ticket),
        dest = escape(&destination(&consent.redirect_uri)),
    );
    page(
        status,
        "Authorize application",
        &body,
        Some(&consent.redirect_uri),
    )
}

/// An error page: the request cannot go on, and the browser is not sent anywhere.
pub fn error(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>Cannot authorize this application</h1>\n<p class=\"error\" role=\"alert\">{}</p>\n\
         <p class=\"muted\">Close this window and start again from the application.</p>",
        escape(message)
    );
    page(status, "Error", &body, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn form_action_names_the_redirect_origin() {
        assert_eq!(
            origin("http://127.0.0.1:3030/callback?x=1").as_deref(),
            Some("http://127.0.0.1:3030")
        );
        assert_eq!(
            origin("https://claude.ai/api/mcp/auth_callback").as_deref(),
            Some("https://claude.ai")
        );
        assert_eq!(origin("not a url"), None);
        assert_eq!(destination("http://localhost:3030/cb"), "localhost:3030");
    }
}
