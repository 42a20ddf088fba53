-- Outbox rows carry their push event name and who may receive them: NULL = every member of the
-- organization, `usr_…` = that user only, `ch_…` = the members of that chat channel.
ALTER TABLE outbox ADD COLUMN event TEXT NOT NULL DEFAULT 'EntityChanged';
ALTER TABLE outbox ADD COLUMN audience TEXT;
CREATE INDEX outbox_created ON outbox (created_at);
