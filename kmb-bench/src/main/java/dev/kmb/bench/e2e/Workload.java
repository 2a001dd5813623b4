package dev.kmb.bench.e2e;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * One end-to-end load run: P publishers → one topic → one shared subscription with C acking consumers.
 *
 * @param messageBytes payload size of each message
 * @param rate         total messages/s to offer (fixed rate), empty for as fast as it goes (max rate)
 * @param batch        messages per publish: one {@code POST /v1/publish} or one WebSocket {@code messages} frame
 * @param durability   topic durability (durable | persistent | ephemeral)
 * @param dedup        the topic's dedup window: on (the bus default, 120 s) or off
 */
public record Workload(int messageBytes, int publishers, int consumers, Duration warmup, Duration duration,
                       Transport transport, OptionalLong rate, int partitions, String durability, int batch,
                       int nackPercent, boolean dedup) {

    /** How publishers reach the bus; consumers always use the WebSocket. */
    public enum Transport { WS, HTTP }

    public Workload {
        if (messageBytes < 32 || publishers < 1 || consumers < 1 || partitions < 1 || batch < 1) {
            throw new IllegalArgumentException("size >= 32 B and publishers, consumers, partitions, batch >= 1");
        }
        if (nackPercent < 0 || nackPercent > 100) {
            throw new IllegalArgumentException("nack percent must be 0..100, was " + nackPercent);
        }
    }

    public Workload atRate(long messagesPerSecond) {
        return new Workload(messageBytes, publishers, consumers, warmup, duration, transport,
                OptionalLong.of(messagesPerSecond), partitions, durability, batch, nackPercent, dedup);
    }

    /**
     * The priming run before the measured ones: this workload at max rate for {@code prime}, no warm-up. At max rate,
     * because a prime at a modest fixed rate (2,000 msgs/s) left KMB measured first as slow as without one: the hot
     * paths of a max-rate run were still being compiled when its consumers fell behind.
     */
    public Workload primer(Duration prime) {
        return new Workload(messageBytes, publishers, consumers, Duration.ZERO, prime, transport, OptionalLong.empty(),
                partitions, durability, batch, nackPercent, dedup);
    }

    public String describe() {
        return messageBytes + " B, " + publishers + " publisher(s) over " + transport.name().toLowerCase()
                + (batch > 1 ? " (batch " + batch + ")" : "") + ", " + consumers + " consumer(s), "
                + partitions + " partition(s), " + durability + ", "
                + (rate.isPresent() ? "fixed rate " + rate.getAsLong() + " msgs/s" : "max rate")
                + (nackPercent > 0 ? ", " + nackPercent + " % nacked once" : "") + (dedup ? "" : ", dedup off");
    }
}
