package dev.kmb.client;

import dev.kmb.core.DeliveredEnvelope;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One delivered message: the envelope, where it sits in the log, which attempt this is, and the exact JSON the bus
 * sent. Settle it with {@link #ack()} or {@link #nack(Duration)}; messages of an ephemeral subscription are settled
 * on delivery and both are no-ops for them.
 *
 * <p>Only the id, position, attempt and payload are read when the message arrives; the envelope is decoded (and
 * checked) on the first call that needs it, such as {@link #envelope()}, {@link #topic()} or {@link #key()}, which
 * throw {@link KmbException} {@code validation_failed} if the bus sent an invalid one. Immutable apart from
 * settling; thread-safe.
 */
public final class Message {

    private final DeliveryHead head;
    private final byte[] json;
    private final Subscription subscription;
    private final EnvelopeCodec codec;
    private volatile DeliveredEnvelope delivered;

    Message(DeliveryHead head, byte[] json, Subscription subscription, EnvelopeCodec codec) {
        this.head = head;
        this.json = json;
        this.subscription = subscription;
        this.codec = codec;
    }

    private DeliveredEnvelope delivered() {
        DeliveredEnvelope d = delivered;
        if (d == null) {
            try {
                d = codec.decodeDelivered(json);
            } catch (ProblemException e) {
                throw new KmbException(e.problem(), e);
            }
            delivered = d;
        }
        return d;
    }

    /** The delivered envelope, decoded on first use. */
    public Envelope envelope() {
        return delivered().envelope();
    }

    public UUID id() {
        return head.id();
    }

    public TopicName topic() {
        return envelope().topic();
    }

    public Optional<String> key() {
        return envelope().key();
    }

    /** The payload's JSON text, exactly as published. */
    public String payload() {
        if (head.payloadFrom() >= 0) {
            return new String(json, head.payloadFrom(), head.payloadTo() - head.payloadFrom(), StandardCharsets.UTF_8);
        }
        return envelope().payload().asString();
    }

    public int partition() {
        return head.partition();
    }

    public long offset() {
        return head.offset();
    }

    /** 1 on first delivery, then counting redeliveries. */
    public int attempt() {
        return head.attempt();
    }

    /** The subscription that delivered it (the generated name for an ephemeral one). */
    public String subscription() {
        return subscription.name();
    }

    /** The delivered envelope as the bus sent it, UTF-8 JSON. */
    public byte[] json() {
        return json.clone();
    }

    public String jsonText() {
        return new String(json, StandardCharsets.UTF_8);
    }

    /** Settles the message; acks are coalesced into one frame per few milliseconds. Completes when the bus confirmed. */
    public CompletableFuture<Void> ack() {
        return subscription.ack(id());
    }

    /** Hands the message back for redelivery now (or after the subscription's backoff). */
    public CompletableFuture<Void> nack() {
        return subscription.nack(id(), Optional.empty(), Optional.empty());
    }

    /** Hands the message back for redelivery after {@code delay}. */
    public CompletableFuture<Void> nack(Duration delay) {
        return subscription.nack(id(), Optional.of(delay), Optional.empty());
    }

    /**
     * Hands the message back with a reason (kept in its attempt history, shown with it in the dead-letter topic),
     * for redelivery after {@code delay} or, when empty, the subscription's backoff.
     */
    public CompletableFuture<Void> nack(Optional<Duration> delay, String reason) {
        return subscription.nack(id(), delay, Optional.of(reason));
    }

    /** Rejects the message: no more attempts, it goes to the dead-letter topic now, with {@code reason}. */
    public CompletableFuture<Void> term(String reason) {
        return subscription.term(id(), Optional.of(reason));
    }

    @Override
    public String toString() {
        return "Message[" + topic() + "/" + partition() + "@" + offset() + " attempt " + attempt() + " id " + id() + "]";
    }
}
