-- Entries of the instance itself (the operator's CLI installing or removing a plugin) have no
-- organization.
ALTER TABLE audit_log ALTER COLUMN org_id DROP NOT NULL;
