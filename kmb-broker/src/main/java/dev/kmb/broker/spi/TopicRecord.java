package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicSpec;
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
 * @param updatedAt when its configuration last changed ({@code createdAt} until then)
 */
public record TopicRecord(TenantId tenant, TopicName name, TopicSpec spec, Instant createdAt, Instant updatedAt) {

    public TopicRecord {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
        updatedAt = Objects.requireNonNull(updatedAt, "updatedAt").truncatedTo(ChronoUnit.MILLIS);
    }

    /** A new topic created at {@code now}. */
    public static TopicRecord create(TenantId tenant, TopicName name, TopicSpec spec, Instant now) {
        return new TopicRecord(tenant, name, spec, now, now);
    }

    /** This topic with a changed spec, updated at {@code now}. */
    public TopicRecord withSpec(TopicSpec newSpec, Instant now) {
        return new TopicRecord(tenant, name, newSpec, createdAt, now);
    }
}
