package dev.kmb.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSE streams and WebSocket connections that are open now, so a stopping server can end them (their sessions
 * leave the broker before it closes) instead of waiting for clients to hang up. Thread-safe.
 */
final class OpenStreams {

    private static final Logger LOG = LoggerFactory.getLogger(OpenStreams.class);

    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /** Registers a stream; false when the server is already stopping (the caller should not start it). */
    boolean add(AutoCloseable stream) {
        open.add(stream);
        if (stopping) {
            open.remove(stream);
            return false;
        }
        return true;
    }

    void remove(AutoCloseable stream) {
        open.remove(stream);
    }

    int size() {
        return open.size();
    }

    boolean stopping() {
        return stopping;
    }

    /** Ends every open stream; later ones are refused. */
    void closeAll() {
        stopping = true;
        for (AutoCloseable s : open) {
            try {
                s.close();
            } catch (Exception e) {
                LOG.debug("closing a stream at shutdown failed: {}", e.toString());
            }
        }
        open.clear();
    }
}
