package dev.kmb.broker;

import dev.kmb.core.Envelope;
import dev.kmb.core.Metadata;
import dev.kmb.core.Priority;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogEntry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The delivery options of a stored message (priority, expiry, earliest delivery) as log headers, written by the
 * publisher and read by subscriptions without parsing the envelope. Only what differs from the default is written,
 * so an ordinary message carries one header (its id). Immutable.
 *
 * @param priority  {@link Priority#ordinal()} of the message's priority
 * @param expiresAt epoch millis after which it is not delivered; {@link Long#MAX_VALUE} when it never expires
 * @param deliverAt epoch millis before which it is not delivered; 0 when it may go at once
 */
record DeliveryControl(int priority, long expiresAt, long deliverAt) {

    static final String PRIORITY = "kmb-pri";
    static final String EXPIRES_AT = "kmb-exp";
    static final String DELIVER_AT = "kmb-at";
    static final int NORMAL = Priority.NORMAL.ordinal();
    static final DeliveryControl DEFAULT = new DeliveryControl(NORMAL, Long.MAX_VALUE, 0);

    /** The headers of a message appended at {@code appendedAt}: its id, then whatever of these it sets. */
    static List<Header> headers(Envelope e, Instant appendedAt) {
        Metadata m = e.metadata();
        List<Header> headers = new ArrayList<>(2);
        headers.add(new Header(Publisher.ID_HEADER, Publisher.uuidBytes(e.id())));
        if (m.priority() != Priority.NORMAL) {
            headers.add(new Header(PRIORITY, new byte[] {(byte) m.priority().ordinal()}));
        }
        m.ttl().ifPresent(ttl -> headers.add(new Header(EXPIRES_AT, longBytes(appendedAt.plus(ttl).toEpochMilli()))));
        // both given: the later of the two, so neither promise is broken
        long deliverAt = Math.max(m.deliverAt().map(Instant::toEpochMilli).orElse(0L),
                m.delay().map(d -> appendedAt.plus(d).toEpochMilli()).orElse(0L));
        if (deliverAt > appendedAt.toEpochMilli()) {
            headers.add(new Header(DELIVER_AT, longBytes(deliverAt)));
        }
        return headers;
    }

    /** The options of a stored message; {@link #DEFAULT} for one without such headers. */
    static DeliveryControl of(LogEntry e) {
        List<Header> headers = e.headers();
        if (headers.size() <= 1) {
            return DEFAULT;
        }
        int priority = NORMAL;
        long expiresAt = Long.MAX_VALUE;
        long deliverAt = 0;
        for (Header h : headers) {
            switch (h.name()) {
                case PRIORITY -> priority = h.value().length == 1 ? Math.min(h.value()[0], Priority.CRITICAL.ordinal()) : NORMAL;
                case EXPIRES_AT -> expiresAt = h.value().length == 8 ? ByteBuffer.wrap(h.value()).getLong() : expiresAt;
                case DELIVER_AT -> deliverAt = h.value().length == 8 ? ByteBuffer.wrap(h.value()).getLong() : deliverAt;
                default -> {
                }
            }
        }
        return new DeliveryControl(priority, expiresAt, deliverAt);
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
