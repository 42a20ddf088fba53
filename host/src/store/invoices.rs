//! Invoices, their lines, the per-organization number counter, and the time entries they claim.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::invoices::{Invoice, InvoiceLine, InvoiceStatus, InvoiceTax, Quantity};
use crate::q;
use crate::store::db::{Arg, Exec, Listing, Query, Sql, fetch_page};

/// An invoice header as stored: the taxes as JSON text.
#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: String,
    org_id: String,
    client_id: String,
    number: Option<String>,
    #[sqlx(try_from = "String")]
    status: InvoiceStatus,
    currency: String,
    issue_date: NaiveDate,
    due_date: NaiveDate,
    tax_rate_bp: i64,
    discount: i64,
    subtotal: i64,
    tax: i64,
    total: i64,
    taxes: String,
    notes: Option<String>,
    period_from: Option<NaiveDate>,
    period_to: Option<NaiveDate>,
    sent_at: Option<DateTime<Utc>>,
    sent_to: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    payment_method: Option<String>,
    voided_at: Option<DateTime<Utc>>,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<InvoiceRow> for Invoice {
    fn from(r: InvoiceRow) -> Invoice {
        Invoice {
            id: r.id,
            org_id: r.org_id,
            client_id: r.client_id,
            number: r.number,
            status: r.status,
            currency: r.currency,
            issue_date: r.issue_date,
            due_date: r.due_date,
            tax_rate_bp: r.tax_rate_bp,
            discount: r.discount,
            subtotal: r.subtotal,
            tax: r.tax,
            total: r.total,
            taxes: serde_json::from_str(&r.taxes).unwrap_or_default(),
            notes: r.notes,
            period_from: r.period_from,
            period_to: r.period_to,
            sent_at: r.sent_at,
            sent_to: r.sent_to,
            paid_at: r.paid_at,
            payment_method: r.payment_method,
            voided_at: r.voided_at,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            lines: Vec::new(),
        }
    }
}

/// An invoice line as stored: the entry ids as JSON text.
#[derive(sqlx::FromRow)]
struct LineRow {
    id: String,
    invoice_id: String,
    org_id: String,
    position: i64,
    description: String,
    quantity_milli: i64,
    unit_price: i64,
    amount: i64,
    entry_ids: String,
}

impl From<LineRow> for InvoiceLine {
    fn from(r: LineRow) -> InvoiceLine {
        InvoiceLine {
            id: r.id,
            invoice_id: r.invoice_id,
            org_id: r.org_id,
            position: r.position,
            description: r.description,
            quantity_milli: r.quantity_milli,
            quantity: Quantity(r.quantity_milli),
            unit_price: r.unit_price,
            amount: r.amount,
            entry_ids: serde_json::from_str(&r.entry_ids).unwrap_or_default(),
        }
    }
}

fn taxes_text(taxes: &[InvoiceTax]) -> String {
    serde_json::to_string(taxes).unwrap_or_else(|_| "[]".into())
}

const COLUMNS: &str = "id, org_id, client_id, number, status, currency, issue_date, due_date, tax_rate_bp, discount, \
     subtotal, tax, total, taxes, notes, period_from, period_to, sent_at, sent_to, paid_at, payment_method, voided_at, \
     created_by, created_at, updated_at";

/// Inserts an invoice header (its lines go through [`replace_lines`]).
pub async fn insert(ex: &mut impl Exec, i: &Invoice) -> sqlx::Result<()> {
    ex.execute(q!(
        "INSERT INTO invoices (id, org_id, client_id, number, status, currency, issue_date, due_date, tax_rate_bp,
         discount, subtotal, tax, total, taxes, notes, period_from, period_to, sent_at, sent_to, paid_at,
         payment_method, voided_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
         $22, $23, $24, $25)",
        &i.id, &i.org_id, &i.client_id, i.number.as_ref(), i.status.as_str(), &i.currency, i.issue_date, i.due_date,
        i.tax_rate_bp, i.discount, i.subtotal, i.tax, i.total, taxes_text(&i.taxes), i.notes.as_ref(), i.period_from,
        i.period_to, i.sent_at, i.sent_to.as_ref(), i.paid_at, i.payment_method.as_ref(), i.voided_at,
        &i.created_by, i.created_at, i.updated_at
    ))
    .await
    .map(drop)
}

/// Writes every header field but the id, organization and creator.
pub async fn update(ex: &mut impl Exec, i: &Invoice) -> sqlx::Result<()> {
    ex.execute(q!(
        "UPDATE invoices SET client_id = $2, number = $3, status = $4, currency = $5, issue_date = $6, due_date = $7,
         tax_rate_bp = $8, discount = $9, subtotal = $10, tax = $11, total = $12, taxes = $13, notes = $14,
         period_from = $15, period_to = $16, sent_at = $17, sent_to = $18, paid_at = $19, payment_method = $20,
         voided_at = $21, updated_at = $22 WHERE id = $1",
        &i.id, &i.client_id, i.number.as_ref(), i.status.as_str(), &i.currency, i.issue_date, i.due_date, i.tax_rate_bp,
        i.discount, i.subtotal, i.tax, i.total, taxes_text(&i.taxes), i.notes.as_ref(), i.period_from, i.period_to,
        i.sent_at, i.sent_to.as_ref(), i.paid_at, i.payment_method.as_ref(), i.voided_at, i.updated_at
    ))
    .await
    .map(drop)
}

/// An invoice header by id (lines empty).
pub async fn get(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Invoice>> {
    let row: Option<InvoiceRow> = ex
        .fetch_optional(
            Query::new(Sql::Built(format!(
                "SELECT {COLUMNS} FROM invoices WHERE id = $1"
            )))
            .bind(id),
        )
        .await?;
    Ok(row.map(Invoice::from))
}

/// An invoice header by id, locked for the rest of the transaction on PostgreSQL (SQLite's single
/// writer already serializes write transactions).
pub async fn get_for_update(ex: &mut impl Exec, id: &str) -> sqlx::Result<Option<Invoice>> {
    let lock = match ex.backend() {
        crate::store::db::Backend::Postgres => " FOR UPDATE",
        crate::store::db::Backend::Sqlite => "",
    };
    let row: Option<InvoiceRow> = ex
        .fetch_optional(
            Query::new(Sql::Built(format!(
                "SELECT {COLUMNS} FROM invoices WHERE id = $1{lock}"
            )))
            .bind(id),
        )
        .await?;
    Ok(row.map(Invoice::from))
}

/// Invoice headers of an organization, newest first, with the total.
pub async fn list(
    ex: &mut impl Exec,
    org_id: &str,
    client_id: Option<&str>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Invoice>, i64)> {
    let mut wh = String::from("org_id = $1");
    let mut args: Vec<Arg> = vec![org_id.into()];
    if let Some(c) = client_id {
        args.push(c.into());
        wh.push_str(&format!(" AND client_id = ${}", args.len()));
    }
    if let Some(s) = status {
        args.push(s.into());
        wh.push_str(&format!(" AND status = ${}", args.len()));
    }
    let listing = Listing {
        select: &format!("SELECT {COLUMNS} FROM invoices"),
        from: "invoices",
        filter: &wh,
        order: "created_at DESC, id DESC",
    };
    let (rows, total): (Vec<InvoiceRow>, i64) =
        fetch_page(ex, listing, args, limit, offset).await?;
    Ok((rows.into_iter().map(Invoice::from).collect(), total))
}

/// Deletes an invoice (its lines go with it).
pub async fn delete(ex: &mut impl Exec, id: &str) -> sqlx::Result<()> {
    ex.execute(q!("DELETE FROM invoices WHERE id = $1", id))
        .await
        .map(drop)
}

/// The lines of an invoice, in order.
pub async fn lines(ex: &mut impl Exec, invoice_id: &str) -> sqlx::Result<Vec<InvoiceLine>> {
    let rows: Vec<LineRow> = ex
        .fetch_all(q!(
            "SELECT id, invoice_id, org_id, position, description, quantity_milli, unit_price, amount, entry_ids
             FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
            invoice_id
        ))
        .await?;
    Ok(rows.into_iter().map(InvoiceLine::from).collect())
}

/// Replaces the lines of an invoice.
pub async fn replace_lines(
    ex: &mut impl Exec,
    invoice_id: &str,
    lines: &[InvoiceLine],
) -> sqlx::Result<()> {
    ex.execute(q!(
        "DELETE FROM invoice_lines WHERE invoice_id = $1",
        invoice_id
    ))
    .await?;
    for l in lines {
        ex.execute(q!(
            "INSERT INTO invoice_lines (id, invoice_id, org_id, position, description, quantity_milli, unit_price,
             amount, entry_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &l.id, &l.invoice_id, &l.org_id, l.position, &l.description, l.quantity_milli, l.unit_price,
            l.amount, serde_json::to_string(&l.entry_ids).unwrap_or_else(|_| "[]".into())
        ))
        .await?;
    }
    Ok(())
}

/// Takes the organization's next invoice number (1, 2, …): increments its counter row, creating
/// it on first use. Call inside the transaction that assigns the number, so a rollback gives the
/// number back and no gap appears.
pub async fn next_number(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!(
            "INSERT INTO invoice_counters (org_id, last_number) VALUES ($1, 1)
             ON CONFLICT (org_id) DO UPDATE SET last_number = invoice_counters.last_number + 1
             RETURNING last_number",
            org_id
        ))
        .await?;
    Ok(n)
}

/// How many invoices name the client.
pub async fn client_invoice_count(ex: &mut impl Exec, client_id: &str) -> sqlx::Result<i64> {
    let (n,): (i64,) = ex
        .fetch_one(q!(
            "SELECT COUNT(*) FROM invoices WHERE client_id = $1",
            client_id
        ))
        .await?;
    Ok(n)
}

/// A time entry that may be billed on an invoice. Names of its user, project and task come from
/// [`names`], once per distinct id. Decoded from a JSON array of its fields, in this order.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Candidate {
    /// Entry id.
    pub id: String,
    /// Who worked.
    pub user_id: String,
    /// The project.
    pub project_id: String,
    /// The task, if any.
    pub task_id: Option<String>,
    /// What was done.
    pub description: Option<String>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Length.
    pub duration_secs: i64,
    /// Per-entry client rate.
    pub hourly_rate: Option<i64>,
    /// Its last change (`updated_at`) exactly as the database stores it: the claim compares it
    /// to detect edits between reading and claiming.
    pub version: String,
}

/// [`Candidate`]'s fields, in order, as SQL (both dialects).
macro_rules! candidate_columns {
    () => {
        "e.id, e.user_id, e.project_id, e.task_id, e.description, e.started_at, e.duration_secs,
         e.hourly_rate, CAST(e.updated_at AS TEXT)"
    };
}

/// Which rows are [`candidates`] (both dialects).
macro_rules! candidate_rows {
    () => {
        " FROM time_entries e
         WHERE e.org_id = $1
           AND e.project_id IN (SELECT id FROM projects WHERE client_id = $2)
           AND e.billable = TRUE AND e.stopped_at IS NOT NULL AND e.duration_secs IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM invoice_entries i WHERE i.entry_id = e.id AND i.invoice_id <> $3)
           AND e.started_at < $4 AND e.started_at >= $5"
    };
}

/// The billable, finished entries of projects of `client_id` started in `[from, before)` that are
/// on no invoice or on `invoice_id` already (regenerating releases those), in no particular
/// order.
///
/// One indexed range scan with no joins and no sort (the client's projects are a small set
/// tested per row; names are read once per id by [`names`]; the caller sorts), and the rows
/// come back as **one** JSON array built by the database: a generate over 100,000 entries
/// otherwise spends most of its read in the driver's per-row and per-value work.
pub async fn candidates(
    ex: &mut impl Exec,
    org_id: &str,
    client_id: &str,
    invoice_id: &str,
    from: Option<DateTime<Utc>>,
    before: DateTime<Utc>,
) -> sqlx::Result<Vec<Candidate>> {
    // Without a start, from the first day of year 1 (PostgreSQL's `timestamptz` begins in
    // 4713 BC; SQLite compares the stored RFC 3339 text, where "0001" sorts first).
    let from = from.unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    });
    let (json,): (String,) = ex
        .fetch_one(q!(
            Sql::split(
                concat!(
                    "SELECT json_group_array(json_array(",
                    candidate_columns!(),
                    "))",
                    candidate_rows!()
                ),
                concat!(
                    "SELECT COALESCE(json_agg(json_build_array(",
                    candidate_columns!(),
                    ")), '[]'::json)::text",
                    candidate_rows!()
                ),
            ),
            org_id,
            client_id,
            invoice_id,
            before,
            from
        ))
        .await?;
    serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// Which names [`names`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Names {
    /// `users.name`.
    Users,
    /// `projects.name`.
    Projects,
    /// `tasks.title`.
    Tasks,
}

/// `(id, name)` of the given rows, in no particular order; ids that match nothing are left out.
pub async fn names(
    ex: &mut impl Exec,
    which: Names,
    ids: &[&str],
) -> sqlx::Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).map_err(|e| sqlx::Error::Encode(e.into()))?;
    // `(id, name)` of `$table` for the ids in the JSON array `$1`.
    macro_rules! by_ids {
        ($name:literal, $table:literal) => {
            Sql::split(
                concat!(
                    "SELECT id, ",
                    $name,
                    " FROM ",
                    $table,
                    " WHERE id IN (SELECT value FROM json_each($1))"
                ),
                concat!(
                    "SELECT id, ",
                    $name,
                    " FROM ",
                    $table,
                    " WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))"
                ),
            )
        };
    }
    let sql = match which {
        Names::Users => by_ids!("name", "users"),
        Names::Projects => by_ids!("name", "projects"),
        Names::Tasks => by_ids!("title", "tasks"),
    };
    ex.fetch_all(q!(sql, list)).await
}

/// Takes every entry off the invoice.
pub async fn release_entries(ex: &mut impl Exec, invoice_id: &str) -> sqlx::Result<u64> {
    ex.execute(q!(
        "DELETE FROM invoice_entries WHERE invoice_id = $1",
        invoice_id
    ))
    .await
}

/// Puts the entries of `org_id` listed as `(id, version)` onto `invoice_id`, each only if it is
/// on no invoice and still has that version (its `updated_at` as read); returns how many it
/// took: fewer than listed when another invoice claimed some first or some were edited since.
///
/// One statement whatever the count, inserting one narrow `invoice_entries` row per entry (the
/// primary key refuses an entry already on an invoice). The list travels as one JSON array and
/// drives the join, so each entry is found by its primary key (SQLite's planner, without
/// statistics, would otherwise prefer the `org_id` index; that column is compared through an
/// expression it cannot index). On PostgreSQL the entries are locked while they are claimed:
/// an edit waiting on that lock then sees the claim (`time_entries::update`), and an edit that
/// committed first changed the version, which the locking read checks again.
pub async fn claim_entries(
    ex: &mut impl Exec,
    org_id: &str,
    invoice_id: &str,
    entries: &[(&str, &str)],
) -> sqlx::Result<u64> {
    if entries.is_empty() {
        return Ok(0);
    }
    let list = serde_json::to_string(entries).map_err(|e| sqlx::Error::Encode(e.into()))?;
    ex.execute(q!(
        Sql::split(
            "INSERT INTO invoice_entries (entry_id, invoice_id)
             SELECT e.id, $1
             FROM (SELECT value ->> 0 AS id, value ->> 1 AS version FROM json_each($3)) AS c
             JOIN time_entries e ON e.id = c.id
             WHERE e.updated_at = c.version AND e.org_id || '' = $2
             ON CONFLICT DO NOTHING",
            "WITH listed AS (
                 SELECT t.id FROM time_entries t, jsonb_array_elements($3::jsonb) AS c(x)
                 WHERE t.id = c.x ->> 0 AND t.updated_at = (c.x ->> 1)::timestamptz AND t.org_id = $2
                 FOR NO KEY UPDATE OF t
             )
             INSERT INTO invoice_entries (entry_id, invoice_id) SELECT id, $1 FROM listed
             ON CONFLICT DO NOTHING",
        ),
        invoice_id,
        org_id,
        list
    ))
    .await
}

/// A sent invoice that may have become overdue.
#[derive(Debug, sqlx::FromRow)]
pub struct DueCandidate {
    /// Invoice id.
    pub id: String,
    /// Its organization.
    pub org_id: String,
    /// Due date.
    pub due_date: NaiveDate,
    /// The organization's time zone.
    pub timezone: String,
}

/// Sent invoices due before `before` (a superset of the overdue ones: the caller checks each
/// against its organization's local date).
pub async fn due_before(ex: &mut impl Exec, before: NaiveDate) -> sqlx::Result<Vec<DueCandidate>> {
    ex.fetch_all(q!(
        "SELECT i.id, i.org_id, i.due_date, o.timezone FROM invoices i JOIN organizations o ON o.id = i.org_id
         WHERE i.status = 'sent' AND i.due_date < $1",
        before
    ))
    .await
}

/// Moves a sent invoice to `overdue`; false when it is no longer `sent`.
pub async fn mark_overdue(ex: &mut impl Exec, id: &str, at: DateTime<Utc>) -> sqlx::Result<bool> {
    let n = ex
        .execute(q!(
            "UPDATE invoices SET status = 'overdue', updated_at = $2 WHERE id = $1 AND status = 'sent'",
            id,
            at
        ))
        .await?;
    Ok(n == 1)
}

/// The organization's name (printed on invoices).
pub async fn org_name(ex: &mut impl Exec, org_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = ex
        .fetch_optional(q!("SELECT name FROM organizations WHERE id = $1", org_id))
        .await?;
    Ok(row.map(|(n,)| n))
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, Executor, SqliteConnection};

    /// Migration 0015 moves who-holds-which-entry from `time_entries.invoice_id` into
    /// `invoice_entries`, keeping every entry that was on an existing invoice and nothing else.
    #[tokio::test]
    async fn invoice_entries_migration_keeps_what_was_invoiced() {
        let migrations = sqlx::migrate!("../migrations/sqlite");
        let mut db = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        migrations.run_to(14, &mut db).await.unwrap();
        db.execute(sqlx::raw_sql(
            "INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
                 VALUES ('usr_1', 'a@example.com', 'A', 'x', 't', 't');
             INSERT INTO organizations (id, name, slug, created_by, created_at, updated_at)
                 VALUES ('org_1', 'O', 'o', 'usr_1', 't', 't');
             INSERT INTO clients (id, org_id, name, currency, created_at, updated_at)
                 VALUES ('cli_1', 'org_1', 'C', 'EUR', 't', 't');
             INSERT INTO invoices (id, org_id, client_id, status, currency, issue_date, due_date,
                 created_by, created_at, updated_at)
                 VALUES ('inv_1', 'org_1', 'cli_1', 'sent', 'EUR', '2026-04-01', '2026-04-30',
                 'usr_1', 't', 't');
             INSERT INTO time_entries (id, org_id, user_id, started_at, stopped_at, invoice_id,
                 created_at, updated_at)
                 VALUES ('te_on', 'org_1', 'usr_1', '2026-03-01T09:00:00Z', '2026-03-01T10:00:00Z',
                         'inv_1', 't', 't'),
                        ('te_free', 'org_1', 'usr_1', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z',
                         NULL, 't', 't'),
                        ('te_stale', 'org_1', 'usr_1', '2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z',
                         'inv_gone', 't', 't');",
        ))
        .await
        .unwrap();
        migrations.run(&mut db).await.unwrap();
        let held: Vec<(String, String)> =
            sqlx::query_as("SELECT entry_id, invoice_id FROM invoice_entries ORDER BY entry_id")
                .fetch_all(&mut db)
                .await
                .unwrap();
        assert_eq!(held, [("te_on".to_owned(), "inv_1".to_owned())]);
        let columns: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM pragma_table_info('time_entries')")
                .fetch_all(&mut db)
                .await
                .unwrap();
        assert!(columns.iter().all(|(c,)| c != "invoice_id"), "{columns:?}");
        let (entries,): (i64,) = sqlx::query_as("SELECT count(*) FROM time_entries")
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(entries, 3);
        // The primary key holds an entry on one invoice at most.
        let twice = sqlx::query("INSERT INTO invoice_entries VALUES ('te_on', 'inv_1')")
            .execute(&mut db)
            .await;
        assert!(twice.is_err());
    }
}
