-- Security (docs/security.md): a WebSocket ticket remembers the personal access token it was
-- issued to, so the session it opens keeps that token's limits; e-mail addresses are verified
-- by a mailed link; an invitation is accepted only with the link mailed to the invited address
-- (or by an account whose address is verified).
-- Kept in step with the other engine's file of the same name.

ALTER TABLE ws_tickets ADD COLUMN token_id TEXT REFERENCES personal_access_tokens (id) ON DELETE CASCADE;

ALTER TABLE users ADD COLUMN email_verified_at TEXT;

CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);

-- Invitations made before this migration have no link; inviting the address again mails one.
ALTER TABLE org_invitations ADD COLUMN token_hash TEXT;
ALTER TABLE org_invitations ADD COLUMN expires_at TEXT;
CREATE UNIQUE INDEX org_invitations_token ON org_invitations (token_hash);

-- Rates are capped at 1,000,000,000 minor units per hour (domain/money.rs), which keeps every
-- report sum inside 64-bit integers. Rows written before the cap are brought down to it: a rate
-- beyond it could only have been a mistake or an attack, and left alone it would make the
-- organization's reports fail.
UPDATE time_entries SET hourly_rate = 1000000000 WHERE hourly_rate > 1000000000;
UPDATE projects SET hourly_rate = 1000000000 WHERE hourly_rate > 1000000000;
UPDATE clients SET hourly_rate = 1000000000 WHERE hourly_rate > 1000000000;
UPDATE member_rates SET worker_rate = 1000000000 WHERE worker_rate > 1000000000;
UPDATE member_rates SET client_rate = 1000000000 WHERE client_rate > 1000000000;
