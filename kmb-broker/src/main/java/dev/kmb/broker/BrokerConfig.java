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
 * @param clock               time source for timestamps, ack timeouts and backoff
 */
public record BrokerConfig(boolean autoCreateTopics, TopicSpec defaultTopicSpec, int readBatchRecords,
                           List<PublishInterceptor> interceptors, Clock clock) {

    public BrokerConfig {
        Objects.requireNonNull(defaultTopicSpec, "defaultTopicSpec");
        interceptors = List.copyOf(interceptors);
        Objects.requireNonNull(clock, "clock");
        if (readBatchRecords < 1 || readBatchRecords > 100_000) {
            throw new IllegalArgumentException("broker.read_batch_records = " + readBatchRecords + " must be in 1..100000");
        }
    }

    /** The defaults. */
    public static BrokerConfig defaults() {
        return new BrokerConfig(false, TopicSpec.defaults(), 256, List.of(), Clock.systemUTC());
    }

    public BrokerConfig withAutoCreateTopics(boolean v) {
        return new BrokerConfig(v, defaultTopicSpec, readBatchRecords, interceptors, clock);
    }

    public BrokerConfig withClock(Clock v) {
        return new BrokerConfig(autoCreateTopics, defaultTopicSpec, readBatchRecords, interceptors, v);
    }

    public BrokerConfig withInterceptors(List<PublishInterceptor> v) {
        return new BrokerConfig(autoCreateTopics, defaultTopicSpec, readBatchRecords, v, clock);
    }
}
