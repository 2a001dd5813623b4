package dev.kmb.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of one WebSocket connection. Jetty's sends are asynchronous and would queue without limit, so
 * what may be outstanding is bounded twice: delivery frames by {@code maxOutstandingFrames} permits that a
 * subscription's sender thread waits for (a client that stops reading stops its senders, then its session queues
 * fill and the dispatcher stops reading for it), and replies by the connection's request permits, which the
 * reader takes before it parses a frame and which come back only when the reply has been written. Frames are UTF-8
 * JSON, written as binary messages when the client connected with {@code ?frames=binary}, else as text. Thread-safe.
 */
final class WsOutbound {

    private static final Logger LOG = LoggerFactory.getLogger(WsOutbound.class);

    private final Session session;
    private final boolean binary;
    private final Semaphore frames;
    private final Semaphore requests;
    private final Runnable onFailure;
    private final AtomicBoolean failed = new AtomicBoolean();

    WsOutbound(Session session, boolean binary, int maxOutstandingFrames, int maxPendingRequests, Runnable onFailure) {
        this.session = session;
        this.binary = binary;
        this.frames = new Semaphore(maxOutstandingFrames);
        this.requests = new Semaphore(maxPendingRequests);
        this.onFailure = onFailure;
    }

    /** Takes a request permit before a client frame is handled; blocks the reader (TCP back-pressure) when all are out. */
    void beginRequest() throws InterruptedException {
        requests.acquire();
    }

    /** Sends the reply to a request and gives its permit back once written (or failed). Never blocks. */
    void reply(byte[] frame) {
        send(frame, requests);
    }

    /** Sends a frame that answers nothing (a subscription ended); not bounded, so only for rare frames. */
    void notice(byte[] frame) {
        send(frame, null);
    }

    /** Sends a delivery frame, first waiting for one of the outstanding-frame permits. */
    void deliver(byte[] frame) throws InterruptedException {
        frames.acquire();
        send(frame, frames);
    }

    boolean isOpen() {
        return !failed.get() && session.isOpen();
    }

    private void send(byte[] frame, Semaphore permit) {
        if (failed.get()) {
            if (permit != null) {
                permit.release();
            }
            return;
        }
        try {
            Callback done = Callback.from(() -> {
                if (permit != null) {
                    permit.release();
                }
            }, e -> {
                if (permit != null) {
                    permit.release();
                }
                fail(e);
            });
            if (binary) {
                session.sendBinary(ByteBuffer.wrap(frame), done);
            } else {
                session.sendText(new String(frame, StandardCharsets.UTF_8), done);
            }
        } catch (RuntimeException e) {
            if (permit != null) {
                permit.release();
            }
            fail(e);
        }
    }

    private void fail(Throwable e) {
        if (failed.compareAndSet(false, true)) {
            LOG.debug("websocket send failed; closing the connection's subscriptions: {}", e.toString());
            onFailure.run();
        }
    }
}
