-- KMB state store, schema 5: transactions (POST /v1/transactions).
--
-- The messages of a transaction live in the log, as transactional batches under the transaction's producer id, and
-- each partition it touched gets a COMMIT or ABORT control record (Kafka's model). This table is the coordinator's
-- own log of decisions (Kafka's __transaction_state): a transaction is 'open' until a commit or rollback decides,
-- then 'committing' / 'aborting' is stored BEFORE any marker is written, and 'committed' / 'aborted' once every
-- marker is durable. At start-up an 'open' row resumes with its remaining timeout (or is aborted when it expired),
-- and a 'committing' / 'aborting' one is rolled forward: its markers are written again to every partition where
-- the log still holds it open. Producer ids are never reused (the next one is max + 1), so finished rows are kept.
--
-- Portable like V1: TEXT / BIGINT only, epoch milliseconds.
CREATE TABLE transactions (
    tenant      TEXT   NOT NULL,
    id          TEXT   NOT NULL,
    producer_id BIGINT NOT NULL,  -- the log's transaction handle, unique across tenants
    state       TEXT   NOT NULL,  -- open | committing | committed | aborting | aborted
    reason      TEXT   NOT NULL,  -- why it was aborted: '' | rollback | timeout
    timeout_ms  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,  -- epoch ms
    expires_at  BIGINT NOT NULL,  -- epoch ms: an open transaction is aborted then
    updated_at  BIGINT NOT NULL,  -- epoch ms of the last state change
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX transactions_producer_id ON transactions (producer_id);
CREATE INDEX transactions_state ON transactions (state);
