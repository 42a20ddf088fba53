-- Time and money, first part: clients, the client of a project, and time entries.
-- One running timer per user per organization is enforced by a partial unique index.
-- Kept in step with the other engine's file of the same name.

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT,
    currency    TEXT NOT NULL,
    -- Default tax rate in basis points (1/100 of a percent), 0..=10000.
    tax_rate_bp BIGINT NOT NULL DEFAULT 0,
    -- Client rate, minor units per hour.
    hourly_rate BIGINT,
    notes       TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX clients_org ON clients (org_id, name);

-- A plain column, as on SQLite (which cannot add a foreign key with ALTER TABLE); the domain checks it.
ALTER TABLE projects ADD COLUMN client_id TEXT;
CREATE INDEX projects_client ON projects (client_id);

CREATE TABLE time_entries (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id    TEXT REFERENCES projects (id) ON DELETE SET NULL,
    task_id       TEXT REFERENCES tasks (id) ON DELETE SET NULL,
    description   TEXT,
    started_at    TIMESTAMPTZ NOT NULL,
    stopped_at    TIMESTAMPTZ,
    duration_secs BIGINT,
    billable      BOOLEAN NOT NULL DEFAULT TRUE,
    -- Per-entry client-rate override, minor units per hour.
    hourly_rate   BIGINT,
    invoice_id    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX time_entries_user ON time_entries (org_id, user_id, started_at);
CREATE INDEX time_entries_org ON time_entries (org_id, started_at);
CREATE UNIQUE INDEX time_entries_one_running ON time_entries (org_id, user_id) WHERE stopped_at IS NULL;
