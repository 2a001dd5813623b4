-- KMB state store, schema 4: dead letters a redrive has claimed or moved.
--
-- A dead letter itself is a record of a dead-letter topic (kmb.system.dlq or a subscription's own one): the log holds
-- it. This table holds only what a redrive changed about it, so that a moved dead letter leaves the dead-letter view
-- for good (restart and kill -9 included) and two redrives never publish the same one. A redrive first claims its
-- dead letters here (one transaction; a row already claimed or redriven is not claimed again), then publishes them,
-- then marks them redriven, or deletes its claim on those it could not publish. A claim whose redrive died (crash)
-- is abandoned once older than the lease (DeadLetterService.REDRIVE_LEASE): the dead letter shows again and a later
-- redrive may take it. Rows below a partition's first kept offset are pruned (retention deleted the dead letter).
--
-- Portable like V1: TEXT / BIGINT / INTEGER only, epoch milliseconds, INSERT ... ON CONFLICT ... DO UPDATE ... WHERE
-- (SQLite 3.24+ and PostgreSQL 9.5+).
CREATE TABLE dead_letter_marks (
    tenant      TEXT    NOT NULL,
    topic       TEXT    NOT NULL,  -- the dead-letter topic
    partition   INTEGER NOT NULL,
    dlq_offset  BIGINT  NOT NULL,  -- the dead letter's offset in that partition
    state       TEXT    NOT NULL,  -- 'claimed' (a redrive is publishing it) | 'redriven' (published: gone from the view)
    claim       TEXT    NOT NULL,  -- id of the redrive that claimed it
    claimed_at  BIGINT  NOT NULL,  -- epoch ms
    redriven_at BIGINT  NOT NULL,  -- epoch ms; 0 while claimed
    PRIMARY KEY (tenant, topic, partition, dlq_offset),
    -- a namesake topic created after a delete must not inherit marks that would hide its own dead letters
    FOREIGN KEY (tenant, topic) REFERENCES topics (tenant, name) ON DELETE CASCADE
);
