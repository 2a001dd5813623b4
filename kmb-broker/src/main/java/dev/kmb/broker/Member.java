package dev.kmb.broker;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A connection attached to a subscription. Its queue holds at most {@code max_in_flight} deliveries;
 * the dispatcher fills it, the connection drains it. Thread-safe for those two parties.
 */
final class Member implements SubscriptionSession {

    private final long id;
    private final SubscriptionDispatcher owner;
    private final ArrayBlockingQueue<Delivery> queue;
    private final int maxInFlight;
    private volatile boolean closed;
    /** Deliveries not yet acked (dispatcher thread only). */
    int inFlight;

    Member(long id, SubscriptionDispatcher owner, int maxInFlight) {
        this.id = id;
        this.owner = owner;
        this.maxInFlight = maxInFlight;
        this.queue = new ArrayBlockingQueue<>(maxInFlight);
    }

    long id() {
        return id;
    }

    /** How attempt histories name this member. */
    String consumer() {
        return "member-" + id;
    }

    /** True when the member may take one more delivery (dispatcher thread only). */
    boolean hasCredit(boolean autoAck) {
        return !closed && (autoAck ? queue.remainingCapacity() > 0 : inFlight < maxInFlight && queue.remainingCapacity() > 0);
    }

    void offer(Delivery d) {
        queue.offer(d);
    }

    @Override
    public String subscription() {
        return owner.name();
    }

    @Override
    public Optional<Delivery> poll(Duration timeout) throws InterruptedException {
        if (closed) {
            return Optional.empty();
        }
        Delivery d = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (d != null) {
            owner.creditReturned();
        }
        return Optional.ofNullable(d);
    }

    @Override
    public int drainTo(List<Delivery> sink, int max) {
        int n = queue.drainTo(sink, max);
        if (n > 0) {
            owner.creditReturned();
        }
        return n;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Ends the session from the bus side (subscription deleted). */
    void end() {
        closed = true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.leave(this);
        }
    }
}
