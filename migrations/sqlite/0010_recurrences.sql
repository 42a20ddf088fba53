-- Task recurrences: one per template task, and the link from each created instance back to its
-- recurrence and occurrence. The UNIQUE index on (recurrence_id, occurrence_at) is the second
-- guard of "exactly once per occurrence" (the first is the scheduler's compare-and-set on
-- next_run_at). Kept in step with the other engine's file of the same name.

CREATE TABLE task_recurrences (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- The template task; deleting it ends the recurrence.
    task_id            TEXT NOT NULL UNIQUE REFERENCES tasks (id) ON DELETE CASCADE,
    -- As the user gave it (an object is stored as its JSON text); evaluated by the organization's
    -- recurrence plugin.
    recurrence_pattern TEXT NOT NULL,
    -- The series' first instant: fixes the time of day and the phase of intervals.
    starts_at          TEXT NOT NULL,
    -- No occurrence after this instant (optional).
    ends_at            TEXT,
    -- The next occurrence to create; NULL once the series has ended.
    next_run_at        TEXT,
    -- The last occurrence an instance was created (or skipped) for.
    last_occurrence_at TEXT,
    created_by         TEXT NOT NULL REFERENCES users (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX task_recurrences_due ON task_recurrences (next_run_at);
CREATE INDEX task_recurrences_org ON task_recurrences (org_id);

-- Plain columns: an instance keeps naming its recurrence after the recurrence is deleted.
ALTER TABLE tasks ADD COLUMN recurrence_id TEXT;
ALTER TABLE tasks ADD COLUMN occurrence_at TEXT;
CREATE UNIQUE INDEX tasks_occurrence ON tasks (recurrence_id, occurrence_at);
