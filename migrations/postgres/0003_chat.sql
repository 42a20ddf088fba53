-- Chat: channels (one org-wide `general` per organization, project and private channels with
-- explicit members, direct messages between two members), messages with replies, reactions.
-- Kept in step with the other engine's file of the same name.

CREATE TABLE chat_channels (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- `org` | `project` | `private` | `direct`
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
    -- For `direct` channels: the two user ids, sorted and joined by `:`, so a pair has one channel.
    direct_key TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, direct_key)
);
CREATE INDEX chat_channels_org ON chat_channels (org_id, kind);
CREATE INDEX chat_channels_project ON chat_channels (project_id);
-- One org-wide channel per organization (created lazily for older organizations).
CREATE UNIQUE INDEX chat_channels_org_wide ON chat_channels (org_id) WHERE kind = 'org';

CREATE TABLE chat_channel_members (
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX chat_channel_members_user ON chat_channel_members (user_id);

CREATE TABLE chat_messages (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL REFERENCES chat_channels (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    content    TEXT NOT NULL,
    reply_to   TEXT REFERENCES chat_messages (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    edited_at  TIMESTAMPTZ
);
CREATE INDEX chat_messages_channel ON chat_messages (channel_id, created_at, id);
CREATE INDEX chat_messages_reply_to ON chat_messages (reply_to);

CREATE TABLE chat_reactions (
    message_id TEXT NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);
