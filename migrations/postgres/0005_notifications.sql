-- In-app notifications: one row per recipient, written in the same transaction as the change that
-- caused it (task assigned, status changed, mentioned in a comment or chat message). Each one is
-- also pushed to its recipient as `NotificationCreated` through the outbox.
-- Kept in step with the other engine's file of the same name.

CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- `task_assigned` | `status_changed` | `mention`
    type        TEXT NOT NULL,
    title       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    actor_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    read_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_recipient ON notifications (user_id, org_id, read_at, created_at);
