-- KMB state store, schema 1: topics, durable subscriptions, their cursors.
--
-- Portable on purpose: the SQLite store (embedded) and the PostgreSQL store (cluster) run these same files. Hence
-- TEXT / BIGINT / INTEGER only, no AUTOINCREMENT or SERIAL, no BLOB or BYTEA, no JSON or JSONB type, times as epoch
-- milliseconds in BIGINT, and upserts as INSERT ... ON CONFLICT (both dialects). Configuration lives in a JSON
-- document (config) so adding a setting needs no migration; only keys are columns. Every key starts with the tenant.

CREATE TABLE topics (
    tenant     TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    config     TEXT   NOT NULL,  -- JSON: partitions, durability, retention, compression (StateDocuments)
    created_at BIGINT NOT NULL,  -- epoch ms
    updated_at BIGINT NOT NULL,  -- epoch ms
    PRIMARY KEY (tenant, name)
);

CREATE TABLE subscriptions (
    tenant     TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    config     TEXT   NOT NULL,  -- JSON: pattern, mode, start, ack_timeout_ms, ... (StateDocuments)
    created_at BIGINT NOT NULL,  -- epoch ms
    PRIMARY KEY (tenant, name)
);

-- One row per (subscription, partition) it has acked on. The foreign keys make a cursor impossible without its
-- subscription and its topic: a stale cursor surviving a topic's deletion would skip messages in a namesake
-- topic created later.
CREATE TABLE cursors (
    tenant       TEXT    NOT NULL,
    subscription TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    partition    INTEGER NOT NULL,
    ack_floor    BIGINT  NOT NULL,  -- every offset below is acked
    acked_above  TEXT    NOT NULL,  -- acked offsets above the floor, run-length varints in base64url (AckedSetCodec)
    updated_at   BIGINT  NOT NULL,  -- epoch ms
    PRIMARY KEY (tenant, subscription, topic, partition),
    FOREIGN KEY (tenant, subscription) REFERENCES subscriptions (tenant, name) ON DELETE CASCADE,
    FOREIGN KEY (tenant, topic) REFERENCES topics (tenant, name) ON DELETE CASCADE
);

-- Deleting a topic finds its cursors without a scan (the primary key leads with the subscription).
CREATE INDEX cursors_by_topic ON cursors (tenant, topic);
