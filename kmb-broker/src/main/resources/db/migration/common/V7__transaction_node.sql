-- KMB state store, schema 7: the node that owns a transaction.
--
-- A transaction belongs to the bus node that began it: on Kafka it lives in that node's transactional producer, and
-- on any log only that node's coordinator knows which partitions it touched. Publishes, commit and rollback naming it
-- elsewhere are refused with a problem naming this node, and at start-up a node recovers only its own unfinished
-- transactions. '' is a bus of one node (embedded, not in cluster mode), which rows written before schema 7 keep.
ALTER TABLE transactions ADD COLUMN node TEXT NOT NULL DEFAULT '';
