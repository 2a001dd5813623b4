package dev.kmb.bench.e2e;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * One messaging system as {@link LoadRun} drives it: {@link #open} creates a uniquely named topic, stream or
 * queue and starts the consumers, {@link #publisher} hands out one publishing handle per publisher thread, and
 * {@link #close} stops everything and deletes what {@code open} created. The payload bytes are opaque to the
 * driver: it sends them as they are and, for each delivered one, hands the time it carries to the
 * {@link Delivery} before it acks.
 * Not thread-safe itself; one run per instance.
 */
public interface BusDriver extends AutoCloseable {

    /** What each consumer calls for every message it receives, before acknowledging it. */
    @FunctionalInterface
    interface Delivery {
        /** @param sentNanos the publish time the payload carries ({@link Payloads#sentAt}) */
        void received(long sentNanos);
    }

    /** One publisher's connection or channel; used by one thread only. */
    interface Publisher extends AutoCloseable {
        /** Sends the payloads (one batch where the system has batches); completes when the system confirmed them all. */
        CompletionStage<?> publish(List<byte[]> payloads);

        @Override
        void close() throws Exception;
    }

    /** Creates the run's destination (named after {@code runId}) and starts {@code w.consumers()} consumers. */
    void open(Workload w, String runId, Delivery delivery) throws Exception;

    /** A new publisher; called once per publisher after {@link #open}. */
    Publisher publisher(int index) throws Exception;

    /** Stops consumers and publishers and deletes the destination; safe to call after a failed {@link #open}. */
    @Override
    void close() throws Exception;
}
