package dev.kmb.kafka;

import dev.kmb.log.spi.LogException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A bounded pool of {@link PartitionReader}s. A borrower gets, in order of preference, a reader already positioned
 * where it wants to read (no seek, buffered records served at once), one assigned to its partition, any idle one,
 * or a new one while fewer than {@code maxReaders} exist. Thread-safe; a borrowed reader belongs to its borrower
 * until given back.
 */
final class ReaderPool implements AutoCloseable {

    private final Supplier<KafkaConsumer<byte[], byte[]>> factory;
    private final Semaphore permits;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<PartitionReader> idle = new ArrayList<>(); // most recently returned last
    private final List<PartitionReader> all = new ArrayList<>();
    private final long borrowTimeoutMillis;
    private final int maxReaders;
    private boolean closed;

    ReaderPool(int maxReaders, long borrowTimeoutMillis, Supplier<KafkaConsumer<byte[], byte[]>> factory) {
        this.factory = factory;
        this.permits = new Semaphore(maxReaders, true);
        this.borrowTimeoutMillis = borrowTimeoutMillis;
        this.maxReaders = maxReaders;
    }

    /** A reader for {@code tp} at {@code offset}, positioned there; give it back with {@link #release}. */
    PartitionReader borrow(TopicPartition tp, long offset) {
        try {
            if (!permits.tryAcquire(borrowTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new LogException("no Kafka reader free within " + borrowTimeoutMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("interrupted while waiting for a Kafka reader", e);
        }
        PartitionReader reader;
        try {
            reader = take(tp, offset);
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        try {
            reader.moveTo(tp, offset);
        } catch (RuntimeException e) {
            release(reader, false);
            throw e;
        }
        return reader;
    }

    private PartitionReader take(TopicPartition tp, long offset) {
        lock.lock();
        try {
            if (closed) {
                throw new LogException("the Kafka log is closed");
            }
            PartitionReader best = null;
            int bestScore = -1;
            for (PartitionReader r : idle) { // a few dozen at most; oldest first, so ties go to the least recently used
                int score = tp == null ? 0 : r.isAt(tp, offset) ? 2 : tp.equals(r.assigned()) ? 1 : 0;
                if (score > bestScore) {
                    best = r;
                    bestScore = score;
                }
            }
            // keep readers positioned on other partitions while the pool may still grow
            if (best != null && (bestScore > 0 || tp == null || all.size() >= maxReaders)) {
                idle.remove(best);
                return best;
            }
        } finally {
            lock.unlock();
        }
        PartitionReader fresh = new PartitionReader(factory.get());
        lock.lock();
        try {
            all.add(fresh);
        } finally {
            lock.unlock();
        }
        return fresh;
    }

    /** Gives a reader back; one whose read failed ({@code healthy} false) is closed and replaced later. */
    void release(PartitionReader reader, boolean healthy) {
        lock.lock();
        try {
            if (healthy && !closed) {
                idle.add(reader);
            } else {
                all.remove(reader);
                reader.close();
            }
        } finally {
            lock.unlock();
            permits.release();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Iterator<PartitionReader> it = idle.iterator(); it.hasNext(); ) {
                PartitionReader r = it.next();
                it.remove();
                all.remove(r);
                r.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
