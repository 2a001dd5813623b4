package dev.kmb.broker;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.StateStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes ack state to the state store in groups: while one transaction runs, new cursor states pile up
 * (the latest per partition wins) and go in the next one. An ack is answered only after the transaction
 * holding it commits, so a crash never loses an answered ack. Thread-safe; one writer thread.
 */
final class CursorCheckpointer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CursorCheckpointer.class);

    private record Key(String tenant, String subscription, String topic, int partition) {
    }

    private final StateStore store;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private Map<Key, CursorState> pending = new LinkedHashMap<>();
    private List<CompletableFuture<Void>> waiters = new ArrayList<>();
    private List<Runnable> takenListeners = new ArrayList<>();
    private boolean closed;
    private final Thread thread;

    CursorCheckpointer(StateStore store) {
        this.store = store;
        this.thread = Thread.ofPlatform().daemon().name("kmb-cursor-checkpointer").start(this::run);
    }

    /**
     * Queues cursor states; {@code onTaken} (when not null) runs once the writer thread took them for a transaction, so
     * their owner can take its next snapshot then rather than on every change. The future completes once they are
     * committed.
     */
    CompletableFuture<Void> save(Collection<CursorState> states, Runnable onTaken) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                store.saveCursors(states); // after close: write through
                f.complete(null);
                if (onTaken != null) {
                    onTaken.run();
                }
                return f;
            }
            for (CursorState s : states) {
                pending.put(new Key(s.tenant().value(), s.subscription(), s.topic().value(), s.partition()), s);
            }
            waiters.add(f);
            if (onTaken != null) {
                takenListeners.add(onTaken);
            }
            work.signal();
        } finally {
            lock.unlock();
        }
        return f;
    }

    /** Completes once everything queued before this call is committed. */
    CompletableFuture<Void> flush() {
        return save(List.of(), null); // an empty save is answered after the transaction in progress, if any
    }

    private void run() {
        while (true) {
            Map<Key, CursorState> batch;
            List<CompletableFuture<Void>> done;
            List<Runnable> taken;
            lock.lock();
            try {
                while (pending.isEmpty() && waiters.isEmpty() && !closed) { // an empty save is a barrier: answer it too
                    work.awaitUninterruptibly();
                }
                if (pending.isEmpty() && waiters.isEmpty() && closed) {
                    return;
                }
                batch = pending;
                done = waiters;
                pending = new LinkedHashMap<>();
                waiters = new ArrayList<>();
                taken = takenListeners;
                takenListeners = new ArrayList<>();
            } finally {
                lock.unlock();
            }
            taken.forEach(Runnable::run);
            try {
                if (!batch.isEmpty()) {
                    store.saveCursors(batch.values());
                }
                done.forEach(f -> f.complete(null));
            } catch (RuntimeException e) {
                LOG.error("cannot save {} cursor state(s); acks are not confirmed", batch.size(), e);
                done.forEach(f -> f.completeExceptionally(e));
            }
        }
    }

    /** Writes what is queued and stops. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
