package dev.kmb.server;

import dev.kmb.broker.Delivery;
import dev.kmb.broker.SubscriptionSession;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Drains one subscription session of a WebSocket connection on its own virtual thread and writes what it finds as
 * {@code message} / {@code messages} frames: it waits for one delivery, then takes whatever else is ready (up to the
 * batch limit) into the same frame. It blocks while the connection has too many frames outstanding, so a slow
 * client stops it and, behind it, the bounded session queue stops the dispatcher. Thread-safe.
 */
final class WsSubscriptionSender implements Runnable {

    /** How long a poll waits before the thread looks at its stop flag again. */
    private static final Duration POLL = Duration.ofMillis(250);

    private final String name;
    private final SubscriptionSession session;
    private final WsOutbound out;
    private final WsFrames frames;
    private final int maxBatch;
    private final Consumer<WsSubscriptionSender> onEnded;
    private volatile boolean stopping;
    private volatile Thread thread;

    WsSubscriptionSender(String name, SubscriptionSession session, WsOutbound out, WsFrames frames, int maxBatch,
                         Consumer<WsSubscriptionSender> onEnded) {
        this.name = name;
        this.session = session;
        this.out = out;
        this.frames = frames;
        this.maxBatch = maxBatch;
        this.onEnded = onEnded;
    }

    String name() {
        return name;
    }

    void start() {
        thread = Thread.ofVirtual().name("kmb-ws-" + name).start(this);
    }

    @Override
    public void run() {
        List<Delivery> batch = new ArrayList<>(maxBatch);
        try {
            while (!stopping) {
                Optional<Delivery> first = session.poll(POLL);
                if (first.isEmpty()) {
                    if (session.isClosed() && !stopping) {
                        out.notice(frames.closed(name, Problem.of(ProblemCode.SUBSCRIPTION_NOT_FOUND,
                                "subscription '" + name + "' was ended by the bus (deleted, or the server is stopping)")));
                        onEnded.accept(this);
                        return;
                    }
                    continue;
                }
                batch.add(first.get());
                if (maxBatch > 1) {
                    session.drainTo(batch, maxBatch - 1);
                }
                out.deliver(WsFrames.deliveries(name, batch));
                batch.clear();
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    /**
     * Stops the thread and leaves the subscription; for a durable one, what this member had not acked goes back to
     * the other members. Returns once no more frames of this subscription will be written.
     */
    void stop() {
        stopping = true;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        session.close();
    }
}
