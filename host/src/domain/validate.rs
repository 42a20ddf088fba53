//! Input rules shared by several aggregates.

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// Trims `value` and checks it is non-empty and at most `max` characters.
pub fn name(field: &str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_field(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if trimmed.chars().count() > max {
        return Err(Error::invalid_field(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Like [`name`] for optional free text (descriptions): empty becomes `None`.
pub fn text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => Err(Error::invalid_field(
            field,
            format!("{field} must be at most {max} characters"),
        )),
        Some(t) => Ok(Some(t.to_owned())),
    }
}

/// A `#rgb` or `#rrggbb` colour, normalised to lower case.
pub fn color(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    let hex = v.strip_prefix('#').unwrap_or("");
    if (hex.len() == 6 || hex.len() == 3) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(Error::invalid_field(
            field,
            format!("{field} must be a colour like #6366f1"),
        ))
    }
}

/// A `YYYY-MM-DD` date.
pub fn date(field: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| Error::invalid_field(field, format!("{field} must be a date as YYYY-MM-DD")))
}

/// An optional `YYYY-MM-DD` date.
pub fn opt_date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    value.map(|v| date(field, v)).transpose()
}

/// `start` must be on or before `due` when both are set.
pub fn date_order(start: Option<NaiveDate>, due: Option<NaiveDate>) -> Result<()> {
    match (start, due) {
        (Some(s), Some(d)) if s > d => Err(Error::rule(
            "start_date",
            "start_date must be on or before due_date",
        )),
        _ => Ok(()),
    }
}

/// A plausible e-mail address, trimmed and lower-cased.
pub fn email(value: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    let valid = v.len() <= 254
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !v.chars().any(char::is_whitespace);
    if valid {
        Ok(v)
    } else {
        Err(Error::invalid_field(
            "email",
            "email must be a valid address",
        ))
    }
}

/// A link Stint shows to other people (an avatar): `https:`, or `http:` to this machine only
/// (loopback), with a host and no credentials. `javascript:`, `data:`, `file:` and plain `http:`
/// to other hosts are refused.
pub fn web_link(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    let Some(text) = text(field, value, max)? else {
        return Ok(None);
    };
    let refuse = || {
        Error::invalid_field(
            field,
            format!("{field} must be an https: URL (http: only on loopback)"),
        )
    };
    let url = url::Url::parse(&text).map_err(|_| refuse())?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(refuse()),
    };
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
        return Err(refuse());
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(name("title", "  ", 10).is_err());
        assert_eq!(name("title", " a ", 10).unwrap(), "a");
        assert!(color("color", "#12345g").is_err());
        assert_eq!(color("color", "#ABCDEF").unwrap(), "#abcdef");
        assert!(date("due_date", "2026-02-30").is_err());
        let (a, b) = (
            date("a", "2026-01-02").unwrap(),
            date("b", "2026-01-01").unwrap(),
        );
        assert!(date_order(Some(a), Some(b)).is_err());
        assert!(email("Jane@Example.com").is_ok());
        assert!(web_link("avatar_url", Some("https://cdn.example.com/a.png"), 100).is_ok());
        assert!(web_link("avatar_url", Some("http://127.0.0.1:8080/a.png"), 100).is_ok());
        for bad in [
            "http://example.com/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "file:///etc/passwd",
            "https://user:pw@example.com/",
            "not a url",
        ] {
            assert!(web_link("avatar_url", Some(bad), 100).is_err(), "{bad}");
        }
        assert!(email("nope").is_err());
    }
}
