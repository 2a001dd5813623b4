package dev.kmb.client;

import dev.kmb.core.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** A frame from the bus on {@code /v1/ws}, after {@link ClientFrames#decode} parsed it. Immutable. */
sealed interface ServerFrame {

    /**
     * {@code ok}: the answer to the request with this {@code ref}; which fields are set depends on the request's op.
     *
     * @param ref          the request's ref, raw JSON
     * @param receipt      publish of one message
     * @param receipts     publish of a batch
     * @param subscription subscribe / unsubscribe
     * @param settled      ack ({@code acked}) / nack ({@code nacked})
     * @param unknown      ack / nack: ids that were not in flight
     * @param time         ping: the server's time
     */
    record Ok(String ref, Optional<Receipt> receipt, List<Receipt> receipts, Optional<String> subscription,
              int settled, List<UUID> unknown, Optional<Instant> time) implements ServerFrame {
    }

    /** {@code error}: the request with this {@code ref} failed (ref empty when the frame could not be read). */
    record Error(Optional<String> ref, Problem problem) implements ServerFrame {
    }

    /** {@code message} / {@code messages}: deliveries of one subscription, each the delivered envelope's JSON. */
    record Deliveries(String subscription, String cursor, List<byte[]> messages) implements ServerFrame {
    }

    /** {@code closed}: the bus ended a subscription of this connection. */
    record Closed(String subscription, Problem problem) implements ServerFrame {
    }
}
