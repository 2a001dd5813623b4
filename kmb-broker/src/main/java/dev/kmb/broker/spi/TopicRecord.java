package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A topic as the broker keeps it: its key (tenant, name), its configuration and when it was made and last changed.
 * Immutable and thread-safe.
 *
 * <p>Times are kept at millisecond precision (what the store keeps), so a record read back equals the one written.
 * Later issues add fields here (schema binding, ACLs, approval rules); stores keep the configuration as a document so
 * that needs no schema migration.
 *
 * @param tenant    owner of the topic
 * @param name      the topic name, unique within the tenant
 * @param spec      what the log needs: partitions, durability, retention, compression
 * @param createdAt when the topic was created
 * @param updatedAt   when its configuration last changed ({@code createdAt} until then)
 * @param dedupWindow how long a published id is remembered: a publish of the same id within it appends nothing
 *                    and answers the first receipt; {@link Duration#ZERO} turns dedup off (default
 *                    {@link #DEFAULT_DEDUP_WINDOW}, at most {@link #MAX_DEDUP_WINDOW}, millisecond precision)
 */
public record TopicRecord(TenantId tenant, TopicName name, TopicSpec spec, Instant createdAt, Instant updatedAt,
                          Duration dedupWindow) {

    /** The dedup window of a topic created without one: two minutes, as NATS JetStream's duplicate window. */
    public static final Duration DEFAULT_DEDUP_WINDOW = Duration.ofMinutes(2);
    /** The longest dedup window: its ids are re-read from the log at every start. */
    public static final Duration MAX_DEDUP_WINDOW = Duration.ofDays(7);

    public TopicRecord {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
        updatedAt = Objects.requireNonNull(updatedAt, "updatedAt").truncatedTo(ChronoUnit.MILLIS);
        dedupWindow = requireDedupWindow(Objects.requireNonNull(dedupWindow, "dedupWindow")).truncatedTo(ChronoUnit.MILLIS);
    }

    /** A topic with the default dedup window. */
    public TopicRecord(TenantId tenant, TopicName name, TopicSpec spec, Instant createdAt, Instant updatedAt) {
        this(tenant, name, spec, createdAt, updatedAt, DEFAULT_DEDUP_WINDOW);
    }

    /** A new topic created at {@code now}. */
    public static TopicRecord create(TenantId tenant, TopicName name, TopicSpec spec, Instant now) {
        return new TopicRecord(tenant, name, spec, now, now);
    }

    /** This topic with a changed spec, updated at {@code now}. */
    public TopicRecord withSpec(TopicSpec newSpec, Instant now) {
        return new TopicRecord(tenant, name, newSpec, createdAt, now, dedupWindow);
    }

    /** True when publishes to this topic are deduplicated. */
    public boolean dedupEnabled() {
        return !dedupWindow.isZero();
    }

    /**
     * {@code window} when it is a valid dedup window: 0 (off) up to {@link #MAX_DEDUP_WINDOW}.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public static Duration requireDedupWindow(Duration window) {
        if (window.isNegative() || window.compareTo(MAX_DEDUP_WINDOW) > 0) {
            throw new IllegalArgumentException("dedup_window must be 0 (off) up to " + MAX_DEDUP_WINDOW.toSeconds()
                    + " seconds, was " + window.toMillis() / 1000.0 + " seconds");
        }
        return window;
    }
}
