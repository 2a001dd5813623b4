package dev.kmb.log;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Group commit for {@code persistent} partitions: appenders write, register a waiter and ask for a flush;
 * a flusher thread runs one fsync for everything written by then and completes every waiter it covers.
 * While one fsync runs, new appends pile up and share the next, so throughput grows with concurrency
 * instead of being capped at one append per fsync. Also runs the background work after a segment roll.
 *
 * <p>Thread-safe. Flush work for one partition is serialised by the partition itself.
 */
final class GroupCommitter implements AutoCloseable {

    private final ExecutorService pool;

    GroupCommitter(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kmb-log-flusher-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs a flush of {@code partition} soon, unless one is already queued. */
    void requestFlush(PartitionLog partition) {
        if (partition.claimFlush()) {
            pool.execute(partition::flushWritten);
        }
    }

    /** Runs background work (flushing rolled segments and writing their indexes). */
    void execute(Runnable task) {
        pool.execute(task);
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
