-- Webhooks: subscriptions per organization, the durable delivery queue and its attempt log, and
-- the cursor of the fan-out from the outbox. Kept in step with the other engine's file of the
-- same name.

CREATE TABLE webhook_subscriptions (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url                  TEXT NOT NULL,
    -- HMAC-SHA256 key; needed in clear text to sign, never returned after creation.
    secret               TEXT NOT NULL,
    -- JSON array of filters: "*", "EntityChanged", "task.*", "task.created", …
    events               TEXT NOT NULL,
    -- NULL: the organization's bound webhook plugin, else webhook-standard.
    plugin_id            TEXT REFERENCES plugins (id) ON DELETE RESTRICT,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason      TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    -- Only events after this outbox id are delivered (the newest when the subscription was made).
    after_event_id       BIGINT NOT NULL,
    created_by           TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at           TEXT        NOT NULL,
    updated_at           TEXT        NOT NULL
);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id, created_at);

CREATE TABLE webhook_deliveries (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    subscription_id   TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id          BIGINT NOT NULL,
    event_kind        TEXT NOT NULL,
    -- Position among the requests the plugin returned for the event.
    seq               BIGINT NOT NULL,
    method            TEXT,
    url               TEXT,
    -- JSON array of [name, value] pairs the plugin set.
    headers           TEXT NOT NULL,
    body              TEXT,
    -- `utf8` or `base64`
    body_encoding     TEXT NOT NULL,
    -- `pending` | `sending` | `delivered` | `failed`
    status            TEXT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    -- Due time; while `sending`, the lease after which another worker may take it over.
    next_attempt_at   TEXT        NOT NULL,
    give_up_at        TEXT        NOT NULL,
    -- The next attempt was asked for by an operator.
    manual            BOOLEAN NOT NULL DEFAULT FALSE,
    last_status       BIGINT,
    last_error        TEXT,
    delivered_at      TEXT       ,
    created_at        TEXT        NOT NULL,
    updated_at        TEXT        NOT NULL,
    UNIQUE (subscription_id, event_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);

CREATE TABLE webhook_attempts (
    id              TEXT PRIMARY KEY,
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    number          BIGINT NOT NULL,
    manual          BOOLEAN NOT NULL,
    started_at      TEXT        NOT NULL,
    duration_ms     BIGINT NOT NULL,
    response_status BIGINT,
    response_body   TEXT,
    error           TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, number);

-- The outbox id up to which events have been matched to subscriptions. One row; advanced with a
-- compare-and-set in the transaction that queues the deliveries.
CREATE TABLE webhook_cursor (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    last_event_id BIGINT NOT NULL
);
INSERT INTO webhook_cursor (id, last_event_id) SELECT 1, COALESCE(MAX(id), 0) FROM outbox;
