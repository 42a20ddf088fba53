//! Full-text search over the organization's tasks, projects, comments, chat messages and clients.
//!
//! The index lives in the database (SQLite FTS5, PostgreSQL `tsvector`; see
//! `migrations/*/0004_search.sql` and `0007_search_more.sql`) and is maintained by the database itself in the transaction of
//! every change, so nothing here writes to it. This module validates the request, splits the query
//! into words and turns the store's snippets into safe HTML.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::{Cx, validate};
use crate::error::{Error, Result};
use crate::store;

pub use crate::model::search::{SearchHit, SearchKind};

/// Longest accepted query, in characters (after trimming).
pub const MAX_QUERY_CHARS: usize = 200;
/// Results returned when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest `limit`; larger values are clamped to it.
pub const MAX_LIMIT: u32 = 50;

/// `search`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Search {
    /// Organization (default: current).
    pub org_id: Option<String>,
    /// The words to look for (1 to 200 characters); the last word also matches as a prefix.
    pub q: String,
    /// Only this kind of result: `task`, `project`, `comment`, `chat_message`, `client`,
    /// `invoice` or `invoice_line` (the last two need `manage_invoices`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// How many results (default 20, at most 50).
    #[serde(default, deserialize_with = "crate::domain::wire::lenient_u32")]
    #[schemars(with = "Option<u32>")]
    pub limit: Option<u32>,
}

impl SearchKind {
    /// Whether results of this kind need `manage_invoices`.
    pub fn is_invoicing(self) -> bool {
        matches!(self, SearchKind::Invoice | SearchKind::InvoiceLine)
    }
}

/// Searches the caller's organization; best matches first. Chat messages only of channels the
/// caller can see (org-wide ones, or those listing them as a member), checked in the query.
pub async fn search(cx: &Cx<'_>, input: Search) -> Result<Vec<SearchHit>> {
    let q = validate::name("q", &input.q, MAX_QUERY_CHARS)?;
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(k) => Some(SearchKind::parse(k).ok_or_else(|| {
            Error::invalid_field(
                "type",
                "type must be one of task, project, comment, chat_message, client, invoice, invoice_line",
            )
        })?),
    };
    let limit = match input.limit {
        None => DEFAULT_LIMIT,
        Some(0) => return Err(Error::invalid_field("limit", "limit must be at least 1")),
        Some(n) => n.min(MAX_LIMIT),
    };
    let org_id = cx.org_id()?;
    let words = terms(&q);
    if words.is_empty() {
        // Only punctuation or symbols: nothing can match.
        return Ok(Vec::new());
    }
    let hits = store::search::search(
        &mut cx.db(),
        org_id,
        cx.user_id(),
        &words,
        kind,
        i64::from(limit),
        cx.can(crate::domain::permissions::Permission::ManageInvoices),
    )
    .await?;
    Ok(hits
        .into_iter()
        .map(|h| SearchHit {
            snippet: highlight(&h.snippet),
            ..h
        })
        .collect())
}

/// The words of a query: split at whitespace, keeping only those with at least one letter or
/// digit (a word of punctuation or emoji cannot match anything the index holds).
pub fn terms(q: &str) -> Vec<String> {
    q.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(str::to_owned)
        .collect()
}

/// Turns a snippet with the store's match markers into HTML: the text escaped, the markers
/// replaced by `<mark>` and `</mark>`.
pub fn highlight(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    for c in raw.chars() {
        match c {
            store::search::MARK_START => out.push_str("<mark>"),
            store::search::MARK_END => out.push_str("</mark>"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_drop_words_without_letters_or_digits() {
        assert_eq!(terms("  login   page "), ["login", "page"]);
        assert_eq!(terms("\" * ( : ' \\ 🎉 -- ..."), Vec::<String>::new());
        assert_eq!(
            terms("don't \"quoted\" 🎉x"),
            ["don't", "\"quoted\"", "🎉x"]
        );
        assert_eq!(terms("AND OR NOT"), ["AND", "OR", "NOT"]);
        assert_eq!(terms("café ß 東京 ١٢٣"), ["café", "ß", "東京", "١٢٣"]);
    }

    #[test]
    fn highlight_escapes_and_marks() {
        let raw = format!(
            "a <b>&\"'{}login{} page",
            store::search::MARK_START,
            store::search::MARK_END
        );
        assert_eq!(
            highlight(&raw),
            "a &lt;b&gt;&amp;&quot;&#39;<mark>login</mark> page"
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in SearchKind::ALL {
            assert_eq!(SearchKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(SearchKind::parse("tasks"), None);
        assert_eq!(SearchKind::parse("Task"), None);
    }
}
