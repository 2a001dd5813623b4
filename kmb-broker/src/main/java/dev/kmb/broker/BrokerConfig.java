package dev.kmb.broker;

import dev.kmb.log.spi.TopicSpec;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the broker, validated when built; every default sits next to its key. Immutable.
 *
 * @param autoCreateTopics    {@code topics.auto_create}: publishing to an unknown topic creates it (default false)
 * @param defaultTopicSpec    spec of topics created without one (1 partition, persistent, kept forever)
 * @param readBatchRecords    records a subscription reads from the log at a time (default 256)
 * @param interceptors        the publish pipeline, in order
 * @param clock               time source for timestamps, ack timeouts, backoff and the dedup window
 * @param dedupMaxIds         {@code dedup.max_ids}: message ids the dedup windows of all topics hold together; beyond it
 *                            the oldest are forgotten early, counted in {@code kmb.dedup.evicted} (default
 *                            {@value #DEFAULT_DEDUP_MAX_IDS}, about 55 MB of heap at ~55 bytes an id)
 */
public record BrokerConfig(boolean autoCreateTopics, TopicSpec defaultTopicSpec, int readBatchRecords,
                           List<PublishInterceptor> interceptors, Clock clock, int dedupMaxIds) {

    public static final int DEFAULT_DEDUP_MAX_IDS = 1_000_000;

    public BrokerConfig {
        Objects.requireNonNull(defaultTopicSpec, "defaultTopicSpec");
        interceptors = List.copyOf(interceptors);
        Objects.requireNonNull(clock, "clock");
        if (readBatchRecords < 1 || readBatchRecords > 100_000) {
            throw new IllegalArgumentException("broker.read_batch_records = " + readBatchRecords + " must be in 1..100000");
        }
        if (dedupMaxIds < 1) {
            throw new IllegalArgumentException("dedup.max_ids = " + dedupMaxIds + " must be at least 1");
        }
    }

    /** The settings without a dedup cap of their own: {@link #DEFAULT_DEDUP_MAX_IDS}. */
    public BrokerConfig(boolean autoCreateTopics, TopicSpec defaultTopicSpec, int readBatchRecords,
                        List<PublishInterceptor> interceptors, Clock clock) {
        this(autoCreateTopics, defaultTopicSpec, readBatchRecords, interceptors, clock, DEFAULT_DEDUP_MAX_IDS);
    }

    /** The defaults. */
    public static BrokerConfig defaults() {
        return new BrokerConfig(false, TopicSpec.defaults(), 256, List.of(), Clock.systemUTC());
    }

    public BrokerConfig withAutoCreateTopics(boolean v) {
        return new BrokerConfig(v, defaultTopicSpec, readBatchRecords, interceptors, clock, dedupMaxIds);
    }

    public BrokerConfig withClock(Clock v) {
        return new BrokerConfig(autoCreateTopics, defaultTopicSpec, readBatchRecords, interceptors, v, dedupMaxIds);
    }

    public BrokerConfig withInterceptors(List<PublishInterceptor> v) {
        return new BrokerConfig(autoCreateTopics, defaultTopicSpec, readBatchRecords, v, clock, dedupMaxIds);
    }

    public BrokerConfig withDedupMaxIds(int v) {
        return new BrokerConfig(autoCreateTopics, defaultTopicSpec, readBatchRecords, interceptors, clock, v);
    }
}
