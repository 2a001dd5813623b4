package dev.kmb.broker.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A transaction as the state store keeps it. Immutable.
 *
 * @param producerId the log's handle of the transaction: positive, never reused
 * @param reason     why it was aborted ({@code rollback}, {@code timeout}), else empty
 * @param expiresAt  when an open transaction is aborted
 * @param updatedAt  the last state change
 * @param node       the bus node that began it and alone may publish into, commit or roll it back ({@code ""}: a bus
 *                   of one node)
 */
public record TransactionRecord(TenantId tenant, String id, long producerId, TransactionState state, String reason,
                                Duration timeout, Instant createdAt, Instant expiresAt, Instant updatedAt, String node) {

    public TransactionRecord {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(node, "node");
        if (producerId <= 0) {
            throw new IllegalArgumentException("producer id must be positive, was " + producerId);
        }
    }

    /** This transaction moved to {@code next} at {@code at}, for {@code why}. */
    public TransactionRecord with(TransactionState next, String why, Instant at) {
        return new TransactionRecord(tenant, id, producerId, next, why, timeout, createdAt, expiresAt, at, node);
    }
}
