-- Entries of the instance itself (the operator's CLI installing or removing a plugin) have no
-- organization: org_id becomes nullable. SQLite cannot drop NOT NULL in place, so the table is
-- rebuilt with the same columns and index.
CREATE TABLE audit_log_new (
    id          TEXT PRIMARY KEY,
    org_id      TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    user_id     TEXT,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    ip          TEXT,
    details     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
INSERT INTO audit_log_new (id, org_id, user_id, action, entity_type, entity_id, ip, details, created_at)
    SELECT id, org_id, user_id, action, entity_type, entity_id, ip, details, created_at FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_org ON audit_log (org_id, created_at);
