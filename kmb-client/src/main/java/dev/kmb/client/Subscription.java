package dev.kmb.client;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A subscription joined over a {@link KmbConnection}: its messages go to one consumer, called on the connection's
 * reader thread in delivery order (a slow consumer slows the connection, which is the back-pressure). Thread-safe.
 */
public final class Subscription {

    private final String name;
    private final boolean durable;
    private final KmbConnection connection;
    private final Consumer<Message> consumer;
    private volatile String cursor = "";
    private volatile boolean closed;

    Subscription(String name, boolean durable, KmbConnection connection, Consumer<Message> consumer) {
        this.name = name;
        this.durable = durable;
        this.connection = connection;
        this.consumer = consumer;
    }

    /** The durable subscription's name, or the one the bus generated for an ephemeral subscription. */
    public String name() {
        return name;
    }

    public boolean isDurable() {
        return durable;
    }

    /** The cursor after the last delivery: pass it to {@code subscribe(pattern, start, cursor, …)} to resume. */
    public String cursor() {
        return cursor;
    }

    /** True once unsubscribed, ended by the bus, or the connection closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Leaves the subscription; a durable one's unacked messages go to its other members. */
    public CompletableFuture<Void> unsubscribe() {
        closed = true;
        return connection.unsubscribe(this);
    }

    void deliver(Message m) {
        consumer.accept(m);
    }

    void cursor(String value) {
        cursor = value;
    }

    void markClosed() {
        closed = true;
    }

    CompletableFuture<Void> ack(UUID id) {
        return durable ? connection.ackLater(name, id) : CompletableFuture.completedFuture(null);
    }

    CompletableFuture<Void> nack(UUID id, Optional<Duration> delay, Optional<String> reason) {
        return durable ? connection.nack(name, id, delay, reason) : CompletableFuture.completedFuture(null);
    }

    CompletableFuture<Void> term(UUID id, Optional<String> reason) {
        return durable ? connection.term(name, id, reason) : CompletableFuture.completedFuture(null);
    }
}
