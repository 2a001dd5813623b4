-- KMB state store, schema 2: the retry schedule of each cursor (messages in backoff, their attempt counts and
-- histories), written in the same row and transaction as the ack state so a restart keeps backoffs and counts.
-- JSON (StateDocuments.retries); '' when the partition has none, which is the common case on the ack path.
ALTER TABLE cursors ADD COLUMN retries TEXT NOT NULL DEFAULT '';
