package dev.kmb.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open streaming connections by kind, exported as the gauge {@code kmb_connections_open{kind=…}}. Streaming
 * routes call {@link #opened} when a connection starts and close the returned handle when it ends.
 * Thread-safe.
 */
public final class ConnectionMetrics {

    /** What a connection carries. */
    public enum Kind {
        SSE, WEBSOCKET;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One open connection; closing it more than once counts once. */
    public interface Handle extends AutoCloseable {
        @Override
        void close();
    }

    private final Map<Kind, AtomicInteger> open = new EnumMap<>(Kind.class);

    public ConnectionMetrics(MeterRegistry registry) {
        for (Kind k : Kind.values()) {
            AtomicInteger n = new AtomicInteger();
            open.put(k, n);
            Gauge.builder("kmb.connections.open", n, AtomicInteger::get).tag("kind", k.tag())
                    .description("streaming connections open now").register(registry);
        }
    }

    /** Counts a new connection until the handle is closed. */
    public Handle opened(Kind kind) {
        AtomicInteger n = open.get(kind);
        n.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                n.decrementAndGet();
            }
        };
    }

    /** Connections of that kind open now. */
    public int open(Kind kind) {
        return open.get(kind).get();
    }
}
