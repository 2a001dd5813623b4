package dev.kmb.broker;

import dev.kmb.core.Envelope;
import java.util.Objects;

/**
 * One message of a snapshot: where it sat in the source topic and the envelope as it was stored (original id,
 * timestamp, topic, key, payload and metadata). Immutable.
 */
public record SnapshotMessage(int partition, long offset, Envelope envelope) {

    public SnapshotMessage {
        Objects.requireNonNull(envelope, "envelope");
    }
}
