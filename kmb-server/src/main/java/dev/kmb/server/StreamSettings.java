package dev.kmb.server;

import java.time.Duration;

/**
 * Tunables of the streaming routes (SSE and WebSocket), every default next to its key. Immutable.
 *
 * <p>Until {@code kmb.yaml} grows a {@code streams} section they can be set by system property
 * ({@code -Dkmb.sse.keep_alive_ms=…}), which is also how tests shorten the keep-alive.
 *
 * @param sseKeepAlive          interval of the {@code : keep-alive} comment on an idle SSE stream (default 15 s)
 * @param maxBatch              deliveries one SSE flush or one WebSocket {@code messages} frame carries at most (256)
 * @param wsMaxOutstandingFrames delivery frames per connection handed to Jetty and not yet written (8)
 * @param wsMaxPendingRequests  client frames per connection being served or whose reply is not yet written (1024)
 * @param wsMaxFrameBytes       largest client frame accepted (16 MiB, room for a batch publish)
 * @param wsIdleTimeout         a connection silent this long is closed; clients ping to stay (5 min)
 */
public record StreamSettings(Duration sseKeepAlive, int maxBatch, int wsMaxOutstandingFrames, int wsMaxPendingRequests,
                             int wsMaxFrameBytes, Duration wsIdleTimeout) {

    public static final String KEEP_ALIVE_PROPERTY = "kmb.sse.keep_alive_ms";

    public StreamSettings {
        if (sseKeepAlive.isNegative() || sseKeepAlive.isZero()) {
            throw new IllegalArgumentException(KEEP_ALIVE_PROPERTY + " = " + sseKeepAlive.toMillis() + " must be > 0");
        }
        if (maxBatch < 1 || wsMaxOutstandingFrames < 1 || wsMaxPendingRequests < 1 || wsMaxFrameBytes < 1024) {
            throw new IllegalArgumentException("stream limits must be positive: " + maxBatch + ", "
                    + wsMaxOutstandingFrames + ", " + wsMaxPendingRequests + ", " + wsMaxFrameBytes);
        }
    }

    public static StreamSettings defaults() {
        return new StreamSettings(Duration.ofSeconds(15), 256, 8, 1024, 16 << 20, Duration.ofMinutes(5));
    }

    /** The defaults, with the system properties that override them applied. */
    public static StreamSettings fromSystemProperties() {
        StreamSettings d = defaults();
        String keepAlive = System.getProperty(KEEP_ALIVE_PROPERTY);
        if (keepAlive == null) {
            return d;
        }
        try {
            return new StreamSettings(Duration.ofMillis(Long.parseLong(keepAlive.trim())), d.maxBatch(),
                    d.wsMaxOutstandingFrames(), d.wsMaxPendingRequests(), d.wsMaxFrameBytes(), d.wsIdleTimeout());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(KEEP_ALIVE_PROPERTY + " = '" + keepAlive + "' is not a number of milliseconds");
        }
    }
}
