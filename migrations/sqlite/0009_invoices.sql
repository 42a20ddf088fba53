-- Invoices: a header per invoice, its lines, and a counter per organization for gap-free numbers.
-- A draft has no number; `invoices.send` takes the next one from `invoice_counters` in the same
-- transaction that moves the invoice to `sent`, so deleted drafts never leave gaps.
-- Money in minor units of `currency`; tax rates in basis points; line quantities in thousandths.
-- Kept in step with the other engine's file of the same name.

CREATE TABLE invoices (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- NO ACTION: the domain refuses to delete a client with invoices.
    client_id      TEXT NOT NULL REFERENCES clients (id),
    number         TEXT,
    status         TEXT NOT NULL,
    currency       TEXT NOT NULL,
    issue_date     TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    tax_rate_bp    INTEGER NOT NULL DEFAULT 0,
    discount       INTEGER NOT NULL DEFAULT 0,
    subtotal       INTEGER NOT NULL DEFAULT 0,
    tax            INTEGER NOT NULL DEFAULT 0,
    total          INTEGER NOT NULL DEFAULT 0,
    -- JSON array of {description, rate_bp, base, amount}.
    taxes          TEXT NOT NULL DEFAULT '[]',
    notes          TEXT,
    period_from    TEXT,
    period_to      TEXT,
    sent_at        TEXT,
    sent_to        TEXT,
    paid_at        TEXT,
    payment_method TEXT,
    voided_at      TEXT,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX invoices_number ON invoices (org_id, number) WHERE number IS NOT NULL;
CREATE INDEX invoices_org ON invoices (org_id, status, due_date);
CREATE INDEX invoices_client ON invoices (client_id);
-- The overdue job scans sent invoices by due date.
CREATE INDEX invoices_due ON invoices (status, due_date);

CREATE TABLE invoice_lines (
    id             TEXT PRIMARY KEY,
    invoice_id     TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL,
    position       INTEGER NOT NULL,
    description    TEXT NOT NULL,
    quantity_milli INTEGER NOT NULL,
    unit_price     INTEGER NOT NULL,
    amount         INTEGER NOT NULL,
    -- JSON array of the time entry ids the line bills.
    entry_ids      TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

CREATE TABLE invoice_counters (
    org_id      TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    last_number INTEGER NOT NULL
);

CREATE INDEX time_entries_invoice ON time_entries (invoice_id);

-- Full-text search, as 0007_search_more.sql does for clients. Invoices: title = number (empty
-- for drafts), body = notes. Lines: body = description.
CREATE TRIGGER invoices_search_insert AFTER INSERT ON invoices BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('invoice', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), coalesce(new.number, ''),
                coalesce(new.notes, ''));
END;
CREATE TRIGGER invoices_search_update AFTER UPDATE OF number, notes ON invoices BEGIN
    UPDATE search_index SET title = coalesce(new.number, ''), body = coalesce(new.notes, '')
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER invoices_search_delete AFTER DELETE ON invoices BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;
CREATE TRIGGER invoice_lines_search_insert AFTER INSERT ON invoice_lines BEGIN
    INSERT INTO search_docs (entity_type, entity_id, org_id) VALUES ('invoice_line', new.id, new.org_id);
    INSERT INTO search_index (rowid, title, body)
        VALUES ((SELECT doc_id FROM search_docs WHERE entity_id = new.id), '', new.description);
END;
CREATE TRIGGER invoice_lines_search_update AFTER UPDATE OF description ON invoice_lines BEGIN
    UPDATE search_index SET body = new.description
        WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = new.id);
END;
CREATE TRIGGER invoice_lines_search_delete AFTER DELETE ON invoice_lines BEGIN
    DELETE FROM search_index WHERE rowid = (SELECT doc_id FROM search_docs WHERE entity_id = old.id);
    DELETE FROM search_docs WHERE entity_id = old.id;
END;
