-- KMB state store, schema 8: seek generations.
--
-- In cluster mode a seek may be asked of any node while other nodes hold the subscription's partitions in memory.
-- The seek raises the subscription's generation and writes every partition's cursor stamped with it; a cursor write
-- stamped with an older generation (a node that has not heard of the seek yet) no longer replaces it, and the nodes
-- holding partitions move them when they see the new generation. 0 is "never sought", which rows written before
-- schema 8 keep.
ALTER TABLE subscriptions ADD COLUMN seek_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cursors ADD COLUMN seek_generation BIGINT NOT NULL DEFAULT 0;
