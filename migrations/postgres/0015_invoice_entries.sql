-- Which invoice holds which time entry, as a relation of its own instead of a column on
-- `time_entries`. The primary key makes "an entry is on at most one invoice" a constraint of the
-- database, and a `generate` over 100,000 entries writes 100,000 narrow rows instead of
-- rewriting 100,000 wide entry rows and their index entries (docs/architecture.md). Releasing
-- an invoice's entries deletes its rows.
-- Kept in step with the other engine's file of the same name.

CREATE TABLE invoice_entries (
    entry_id   TEXT PRIMARY KEY REFERENCES time_entries (id) ON DELETE CASCADE,
    invoice_id TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE
);
CREATE INDEX invoice_entries_invoice ON invoice_entries (invoice_id);

INSERT INTO invoice_entries (entry_id, invoice_id)
    SELECT id, invoice_id FROM time_entries
    WHERE invoice_id IS NOT NULL AND invoice_id IN (SELECT id FROM invoices);

-- The column goes, with the two indexes that named it; the report index comes back without it
-- (a report filtered by invoice looks the entry up in `invoice_entries`).
DROP INDEX time_entries_invoice;
DROP INDEX time_entries_report;
ALTER TABLE time_entries DROP COLUMN invoice_id;
CREATE INDEX time_entries_report ON time_entries
    (org_id, started_at, user_id, project_id, task_id, duration_secs, billable, hourly_rate,
     stopped_at);
