-- KMB state store, schema 6: which bus node serves a subscription that only one consumer may read at a time.
--
-- In cluster mode several bus nodes share one state store and one log. An `exclusive` or `failover` subscription is
-- served by the node holding its lease: that node's members read it, another node's second member is refused
-- (exclusive) or waits (failover) until the lease is released or expires (its node died). The holder renews the lease
-- well before expires_at. Embedded mode (one node) takes no leases.
--
-- Portable like V1: TEXT / BIGINT only, epoch milliseconds, INSERT ... ON CONFLICT ... DO UPDATE ... WHERE
-- (SQLite 3.24+ and PostgreSQL 9.5+).
CREATE TABLE subscription_leases (
    tenant       TEXT   NOT NULL,
    subscription TEXT   NOT NULL,
    holder       TEXT   NOT NULL,  -- the node id
    expires_at   BIGINT NOT NULL,  -- epoch ms
    PRIMARY KEY (tenant, subscription)
);
