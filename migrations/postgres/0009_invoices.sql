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
    issue_date     DATE NOT NULL,
    due_date       DATE NOT NULL,
    tax_rate_bp    BIGINT NOT NULL DEFAULT 0,
    discount       BIGINT NOT NULL DEFAULT 0,
    subtotal       BIGINT NOT NULL DEFAULT 0,
    tax            BIGINT NOT NULL DEFAULT 0,
    total          BIGINT NOT NULL DEFAULT 0,
    -- JSON array of {description, rate_bp, base, amount}.
    taxes          TEXT NOT NULL DEFAULT '[]',
    notes          TEXT,
    period_from    DATE,
    period_to      DATE,
    sent_at        TIMESTAMPTZ,
    sent_to        TEXT,
    paid_at        TIMESTAMPTZ,
    payment_method TEXT,
    voided_at      TIMESTAMPTZ,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    search_vector  tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(number, '')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(notes, '')), 'B')
    ) STORED
);
CREATE UNIQUE INDEX invoices_number ON invoices (org_id, number) WHERE number IS NOT NULL;
CREATE INDEX invoices_org ON invoices (org_id, status, due_date);
CREATE INDEX invoices_client ON invoices (client_id);
-- The overdue job scans sent invoices by due date.
CREATE INDEX invoices_due ON invoices (status, due_date);
CREATE INDEX invoices_search ON invoices USING GIN (search_vector);

CREATE TABLE invoice_lines (
    id             TEXT PRIMARY KEY,
    invoice_id     TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL,
    position       BIGINT NOT NULL,
    description    TEXT NOT NULL,
    quantity_milli BIGINT NOT NULL,
    unit_price     BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    -- JSON array of the time entry ids the line bills.
    entry_ids      TEXT NOT NULL DEFAULT '[]',
    search_vector  tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'B')
    ) STORED
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);
CREATE INDEX invoice_lines_search ON invoice_lines USING GIN (search_vector);

CREATE TABLE invoice_counters (
    org_id      TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    last_number BIGINT NOT NULL
);

CREATE INDEX time_entries_invoice ON time_entries (invoice_id);
