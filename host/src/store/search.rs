//! Full-text search queries over the database's own index (`migrations/*/0004_search.sql`,
//! `0007_search_more.sql`).
//!
//! * SQLite: one FTS5 table `search_index` (columns `title`, `body`) whose rowids map to entities
//!   through `search_docs`; ranked with `bm25` (title weighted 10, body 1), excerpts by `snippet`.
//! * PostgreSQL: a generated `search_vector` column per table (weight A for the title, B for the
//!   body); one `UNION ALL` branch per entity type, ranked with `ts_rank` (A weighted 1.0, the others
//!   0.1), excerpts by `ts_headline` computed only for the rows returned.
//!
//! User input never becomes SQL text: the query is bound as an FTS5 query string
//! ([`fts5_query`]) or tsquery text ([`tsquery_prefix`]) built from sanitised words, whose syntax
//! is valid whatever the words contain.

use crate::model::search::{SearchHit, SearchKind};
use crate::store::db::{Arg, Backend, Exec, Query, Sql};

/// Marks the start of a matched word in a raw snippet (a private-use character).
pub const MARK_START: char = '\u{E000}';
/// Marks the end of a matched word in a raw snippet.
pub const MARK_END: char = '\u{E001}';

/// The FTS5 query for `terms`: each term a quoted string (double quotes doubled), all of them
/// required, the last one also as a prefix (`"logi"*` matches `login`).
pub fn fts5_query(terms: &[String]) -> String {
    let mut out = String::new();
    for (i, term) in terms.iter().enumerate() {
        if term.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('"');
        out.push_str(&term.replace('"', "\"\""));
        out.push('"');
        if i + 1 == terms.len() {
            out.push('*');
        }
    }
    out
}

/// The PostgreSQL `to_tsquery` text for `terms`: the runs of letters and digits of every term,
/// lower-cased and joined with `&`, the last one with `:*` for prefix matching. Operators, quotes
/// and backslashes never survive, so the text always parses. Empty when there is no word.
pub fn tsquery_prefix(terms: &[String]) -> String {
    let lexemes: Vec<String> = terms
        .iter()
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out = lexemes.join(" & ");
    if !out.is_empty() {
        out.push_str(":*");
    }
    out
}

/// SQLite: one query over the FTS5 table; the entity's own table supplies the title and project.
/// A chat message is kept only when its channel is org-wide or the caller (`$5`) is a member.
const SQLITE_SEARCH: &str = "
SELECT d.entity_type AS kind, d.entity_id AS id,
       COALESCE(t.title, p.name, ct.title, ch.name, cl.name,
                CASE WHEN iv.id IS NOT NULL THEN 'Invoice ' || COALESCE(iv.number, '(draft)') END,
                CASE WHEN il.id IS NOT NULL THEN 'Invoice ' || COALESCE(ilv.number, '(draft)') END, '') AS title,
       COALESCE(t.project_id, p.id, ct.project_id) AS project_id,
       c.task_id AS task_id,
       m.channel_id AS channel_id,
       COALESCE(iv.id, il.invoice_id) AS invoice_id,
       -bm25(search_index, 10.0, 1.0) AS score,
       COALESCE(snippet(search_index, -1, char(57344), char(57345), '…', 16), '') AS snippet
FROM search_index
JOIN search_docs d ON d.doc_id = search_index.rowid
LEFT JOIN tasks t ON d.entity_type = 'task' AND t.id = d.entity_id
LEFT JOIN projects p ON d.entity_type = 'project' AND p.id = d.entity_id
LEFT JOIN task_comments c ON d.entity_type = 'comment' AND c.id = d.entity_id
LEFT JOIN tasks ct ON ct.id = c.task_id
LEFT JOIN chat_messages m ON d.entity_type = 'chat_message' AND m.id = d.entity_id
LEFT JOIN chat_channels ch ON ch.id = m.channel_id
LEFT JOIN clients cl ON d.entity_type = 'client' AND cl.id = d.entity_id
LEFT JOIN invoices iv ON d.entity_type = 'invoice' AND iv.id = d.entity_id
LEFT JOIN invoice_lines il ON d.entity_type = 'invoice_line' AND il.id = d.entity_id
LEFT JOIN invoices ilv ON ilv.id = il.invoice_id
WHERE search_index MATCH $1 AND d.org_id = $2 AND ($3 IS NULL OR d.entity_type = $3)
  AND ($6 OR d.entity_type NOT IN ('invoice', 'invoice_line'))
  AND (d.entity_type <> 'chat_message' OR ch.kind = 'org' OR EXISTS (
      SELECT 1 FROM chat_channel_members cm WHERE cm.channel_id = m.channel_id AND cm.user_id = $5))
ORDER BY score DESC, d.entity_id
LIMIT $4";

/// PostgreSQL: the tsquery, `$2` (prefix form) or `$3` (plain words, which also match tokens such
/// as e-mail addresses that the prefix form splits).
macro_rules! pg_tsquery {
    () => {
        "(to_tsquery('simple', $2) || plainto_tsquery('simple', $3))"
    };
}

/// PostgreSQL: rank with the title (weight A) ten times the rest. `ts_rank` of an `||` query
/// whose one side does not match is 0, so each form is ranked alone and the better one counts.
macro_rules! pg_rank {
    ($column:literal) => {
        concat!(
            "greatest(ts_rank('{0.1, 0.1, 0.1, 1.0}', ",
            $column,
            ", to_tsquery('simple', $2)), ts_rank('{0.1, 0.1, 0.1, 1.0}', ",
            $column,
            ", plainto_tsquery('simple', $3)))::float8"
        )
    };
}

/// PostgreSQL: the branch of one entity type; columns kind, id, title, project_id, task_id,
/// channel_id, score and doc (the text the excerpt is taken from).
fn pg_branch(kind: SearchKind) -> &'static str {
    match kind {
        SearchKind::Task => concat!(
            "SELECT 'task'::text AS kind, t.id, t.title, t.project_id, NULL::text AS task_id, NULL::text AS channel_id, NULL::text AS invoice_id, ",
            pg_rank!("t.search_vector"),
            " AS score, t.title || ' ' || coalesce(t.description, '') AS doc
             FROM tasks t WHERE t.org_id = $1 AND t.search_vector @@ ",
            pg_tsquery!()
        ),
        SearchKind::Project => concat!(
            "SELECT 'project'::text AS kind, p.id, p.name AS title, p.id AS project_id, NULL::text AS task_id, NULL::text AS channel_id, NULL::text AS invoice_id, ",
            pg_rank!("p.search_vector"),
            " AS score, p.name || ' ' || coalesce(p.description, '') AS doc
             FROM projects p WHERE p.org_id = $1 AND p.search_vector @@ ",
            pg_tsquery!()
        ),
        SearchKind::Comment => concat!(
            "SELECT 'comment'::text AS kind, c.id, t.title, t.project_id, c.task_id, NULL::text AS channel_id, NULL::text AS invoice_id, ",
            pg_rank!("c.search_vector"),
            " AS score, c.body AS doc
             FROM task_comments c JOIN tasks t ON t.id = c.task_id
             WHERE c.org_id = $1 AND c.search_vector @@ ",
            pg_tsquery!()
        ),
        // Only channels the caller (`$5`) can see: org-wide ones, or those listing them.
        SearchKind::ChatMessage => concat!(
            "SELECT 'chat_message'::text AS kind, m.id, ch.name AS title, NULL::text AS project_id, ",
            "NULL::text AS task_id, m.channel_id, NULL::text AS invoice_id, ",
            pg_rank!("m.search_vector"),
            " AS score, m.content AS doc
             FROM chat_messages m JOIN chat_channels ch ON ch.id = m.channel_id
             WHERE m.org_id = $1 AND (ch.kind = 'org' OR EXISTS (
                 SELECT 1 FROM chat_channel_members cm WHERE cm.channel_id = m.channel_id AND cm.user_id = $5))
               AND m.search_vector @@ ",
            pg_tsquery!()
        ),
        SearchKind::Client => concat!(
            "SELECT 'client'::text AS kind, cl.id, cl.name AS title, NULL::text AS project_id, ",
            "NULL::text AS task_id, NULL::text AS channel_id, NULL::text AS invoice_id, ",
            pg_rank!("cl.search_vector"),
            " AS score, cl.name || ' ' || coalesce(cl.email, '') || ' ' || coalesce(cl.notes, '') AS doc
             FROM clients cl WHERE cl.org_id = $1 AND cl.search_vector @@ ",
            pg_tsquery!()
        ),
        SearchKind::Invoice => concat!(
            "SELECT 'invoice'::text AS kind, iv.id, 'Invoice ' || coalesce(iv.number, '(draft)') AS title, ",
            "NULL::text AS project_id, NULL::text AS task_id, NULL::text AS channel_id, iv.id AS invoice_id, ",
            pg_rank!("iv.search_vector"),
            " AS score, coalesce(iv.number, '') || ' ' || coalesce(iv.notes, '') AS doc
             FROM invoices iv WHERE iv.org_id = $1 AND iv.search_vector @@ ",
            pg_tsquery!()
        ),
        SearchKind::InvoiceLine => concat!(
            "SELECT 'invoice_line'::text AS kind, il.id, 'Invoice ' || coalesce(iv.number, '(draft)') AS title, ",
            "NULL::text AS project_id, NULL::text AS task_id, NULL::text AS channel_id, il.invoice_id, ",
            pg_rank!("il.search_vector"),
            " AS score, il.description AS doc
             FROM invoice_lines il JOIN invoices iv ON iv.id = il.invoice_id
             WHERE il.org_id = $1 AND il.search_vector @@ ",
            pg_tsquery!()
        ),
    }
}

/// PostgreSQL: the query over the chosen branches; excerpts only for the rows kept.
fn pg_search(kinds: &[SearchKind]) -> String {
    let branches: Vec<&str> = kinds.iter().map(|k| pg_branch(*k)).collect();
    format!(
        concat!(
            "SELECT h.kind, h.id, h.title, h.project_id, h.task_id, h.channel_id, h.invoice_id, h.score,
                    ts_headline('simple', h.doc, ",
            pg_tsquery!(),
            ", 'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) ||
                       ', MaxWords=16, MinWords=6, MaxFragments=1') AS snippet
             FROM ({} ORDER BY score DESC, id LIMIT $4) h
             ORDER BY h.score DESC, h.id"
        ),
        branches.join(" UNION ALL ")
    )
}

/// The organization's entities matching every word of `terms` (the last also as a prefix), best
/// first, at most `limit`, limited to what `user_id` may see (chat messages of channels that are
/// org-wide or list them as a member). Snippets carry [`MARK_START`] / [`MARK_END`] around matches.
pub async fn search(
    ex: &mut impl Exec,
    org_id: &str,
    user_id: &str,
    terms: &[String],
    kind: Option<SearchKind>,
    limit: i64,
    invoices: bool,
) -> sqlx::Result<Vec<SearchHit>> {
    match ex.backend() {
        Backend::Sqlite => {
            let query = fts5_query(terms);
            if query.is_empty() {
                return Ok(Vec::new());
            }
            let args: Vec<Arg> = vec![
                query.into(),
                org_id.into(),
                kind.map(SearchKind::as_str).into(),
                limit.into(),
                user_id.into(),
                invoices.into(),
            ];
            ex.fetch_all(Query::new(SQLITE_SEARCH).with_args(args))
                .await
        }
        Backend::Postgres => {
            let prefix = tsquery_prefix(terms);
            if prefix.is_empty() {
                return Ok(Vec::new());
            }
            let kinds: Vec<SearchKind> = match kind {
                Some(k) => vec![k],
                None => SearchKind::ALL.to_vec(),
            }
            .into_iter()
            .filter(|k| invoices || !k.is_invoicing())
            .collect();
            if kinds.is_empty() {
                return Ok(Vec::new());
            }
            let mut args: Vec<Arg> = vec![
                org_id.into(),
                prefix.into(),
                terms.join(" ").into(),
                limit.into(),
            ];
            // `$5` appears only in the chat branch; PostgreSQL refuses unused parameters.
            if kinds.contains(&SearchKind::ChatMessage) {
                args.push(user_id.into());
            }
            ex.fetch_all(Query::new(Sql::Built(pg_search(&kinds))).with_args(args))
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn fts5_quotes_every_term_and_prefixes_the_last() {
        assert_eq!(fts5_query(&v(&["login"])), "\"login\"*");
        assert_eq!(fts5_query(&v(&["login", "page"])), "\"login\" \"page\"*");
        assert_eq!(
            fts5_query(&v(&["AND", "OR", "NOT"])),
            "\"AND\" \"OR\" \"NOT\"*"
        );
        assert_eq!(fts5_query(&v(&["say\"hi\""])), "\"say\"\"hi\"\"\"*");
        assert_eq!(
            fts5_query(&v(&["a*", "(b:", "c'\\"])),
            "\"a*\" \"(b:\" \"c'\\\"*"
        );
        assert_eq!(fts5_query(&v(&["", "x", ""])), "\"x\"");
        assert_eq!(fts5_query(&[]), "");
    }

    #[test]
    fn tsquery_keeps_only_letters_and_digits() {
        assert_eq!(tsquery_prefix(&v(&["Login"])), "login:*");
        assert_eq!(tsquery_prefix(&v(&["login", "Page"])), "login & page:*");
        assert_eq!(
            tsquery_prefix(&v(&["user@example.com"])),
            "user & example & com:*"
        );
        assert_eq!(
            tsquery_prefix(&v(&["a&b|c!(d):*'e'\\f<->g"])),
            "a & b & c & d & e & f & g:*"
        );
        assert_eq!(tsquery_prefix(&v(&["café", "東京"])), "café & 東京:*");
        assert_eq!(tsquery_prefix(&v(&["\"", "*", "🎉"])), "");
        assert_eq!(tsquery_prefix(&[]), "");
    }

    #[test]
    fn pg_query_has_one_branch_per_kind() {
        let all = pg_search(SearchKind::ALL);
        assert_eq!(all.matches("UNION ALL").count(), SearchKind::ALL.len() - 1);
        let one = pg_search(&[SearchKind::Comment]);
        assert!(!one.contains("UNION ALL"));
        assert!(one.contains("FROM task_comments c"));
        assert!(!one.contains("$5"));
        let chat = pg_search(&[SearchKind::ChatMessage]);
        assert!(chat.contains("cm.user_id = $5"));
    }
}
