-- Rates and budgets. A member's worker rate (cost) and client rate (billed), in minor units per
-- hour, per organization member (project_id NULL) or per project member (project_id set), each
-- applying from `effective_from` on. A change is a new row: history is never overwritten.
-- Resolution (domain/rates.rs): entry.hourly_rate, then the project-member row, then the
-- org-member row effective on the entry's local date, then the client's rate. A NULL rate in a
-- row falls through to the next level.
-- Kept in step with the other engine's file of the same name.

CREATE TABLE member_rates (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id     TEXT REFERENCES projects (id) ON DELETE CASCADE,
    worker_rate    BIGINT,
    client_rate    BIGINT,
    effective_from DATE NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX member_rates_lookup ON member_rates (org_id, user_id, project_id, effective_from);

-- Project budgets: minutes and an amount in minor units of the project's client's currency.
ALTER TABLE projects ADD COLUMN budget_minutes BIGINT;
ALTER TABLE projects ADD COLUMN budget_amount BIGINT;
