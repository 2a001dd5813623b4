package dev.kmb.broker;

import dev.kmb.core.TopicName;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One message handed to a subscriber: its identity, where it sits in the log, the attempt number, a
 * resumable cursor and the envelope JSON with the delivery fields ({@code partition}, {@code offset},
 * {@code delivery_attempt}, {@code subscription}) already added. Immutable.
 *
 * @param subscription the durable subscription's name, empty for an ephemeral subscription
 * @param cursor       what a client echoes in {@code Last-Event-ID} to resume after this message
 * @param json         the delivered envelope, UTF-8 JSON
 */
public record Delivery(UUID id, String subscription, TopicName topic, int partition, long offset, int attempt,
                       String cursor, byte[] json) {

    /**
     * Adds the delivery fields to a stored envelope without parsing it: the stored bytes are one compact
     * JSON object written by the codec, so its members follow the first '{'.
     */
    static byte[] splice(byte[] stored, String subscription, int partition, long offset, int attempt) {
        StringBuilder head = new StringBuilder(96).append("{\"partition\":").append(partition)
                .append(",\"offset\":").append(offset);
        if (attempt > 0) {
            head.append(",\"delivery_attempt\":").append(attempt);
        }
        if (!subscription.isEmpty()) {
            head.append(",\"subscription\":\"").append(subscription).append('"'); // names are [A-Za-z0-9_.-]
        }
        byte[] prefix = head.append(',').toString().getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[prefix.length + stored.length - 1];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(stored, 1, out, prefix.length, stored.length - 1);
        return out;
    }
}
