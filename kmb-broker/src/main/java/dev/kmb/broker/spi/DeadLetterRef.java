package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import java.util.Objects;

/**
 * Where one dead letter sits: a record of a tenant's dead-letter topic, by partition and offset. What the state store
 * keys a redrive's claim and mark by. Immutable.
 *
 * @param tenant    owner of the dead-letter topic
 * @param topic     the dead-letter topic ({@code kmb.system.dlq} or a subscription's own)
 * @param partition the partition of the record
 * @param offset    the offset of the record
 */
public record DeadLetterRef(TenantId tenant, TopicName topic, int partition, long offset) {

    public DeadLetterRef {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
    }
}
