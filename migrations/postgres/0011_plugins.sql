-- Installed plugins (instance-wide), their per-organization configuration and which plugin
-- serves each kind for an organization. Component bytes live in DATA_DIR/plugins/<sha256>.wasm
-- (built-ins are embedded in the binary). Kept in step with the other engine's file of the same name.

CREATE TABLE plugins (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    version              TEXT NOT NULL,
    -- `invoicing-rule` | `recurrence`
    kind                 TEXT NOT NULL,
    -- The checked plugin.yaml, as JSON.
    manifest             TEXT NOT NULL,
    sha256               TEXT NOT NULL,
    size_bytes           BIGINT NOT NULL,
    builtin              BOOLEAN NOT NULL DEFAULT FALSE,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    disabled_reason      TEXT,
    installed_by         TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX plugins_kind ON plugins (kind, name);

CREATE TABLE plugin_configs (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plugin_id  TEXT NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    -- A JSON object, validated against the manifest's config_schema.
    config     TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, plugin_id)
);

CREATE TABLE plugin_bindings (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    plugin_id  TEXT NOT NULL REFERENCES plugins (id),
    bound_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, kind)
);
CREATE INDEX plugin_bindings_plugin ON plugin_bindings (plugin_id);
