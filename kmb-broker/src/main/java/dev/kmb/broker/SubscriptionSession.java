package dev.kmb.broker;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One member's attachment to a subscription: the connection's view of it. Deliveries wait in a bounded
 * queue (max in flight); a member that does not take them gets no more, so a slow subscriber never makes
 * the bus buffer without bound. Thread-safe for one consuming thread plus the dispatcher.
 */
public interface SubscriptionSession extends AutoCloseable {

    /** The subscription's name (generated for an ephemeral one). */
    String subscription();

    /** The next delivery, waiting up to {@code timeout}; empty on time-out or once the session is closed. */
    Optional<Delivery> poll(Duration timeout) throws InterruptedException;

    /** Moves up to {@code max} ready deliveries into {@code sink} without waiting; returns how many. */
    int drainTo(List<Delivery> sink, int max);

    /** True once the session ended (closed by the client, or its subscription deleted). */
    boolean isClosed();

    /** Leaves the subscription; its unacked deliveries go to other members. */
    @Override
    void close();
}
