package dev.kmb.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/**
 * Coalesces settles (acks, and nacks or terms with the same delay and reason) into one frame per key every
 * {@code delay} (or as soon as {@code maxBatch} ids wait): at high rates one frame settles hundreds of messages. Each
 * settle's future completes when the frame that carried it was answered. Thread-safe.
 *
 * @param <K> what must be equal for two settles to share a frame (the subscription, the operation, its options)
 */
final class SettleBatcher<K> {

    private record Pending(UUID id, CompletableFuture<Void> done) {
    }

    private final ScheduledExecutorService scheduler;
    private final long delayNanos;
    private final int maxBatch;
    private final BiFunction<K, List<UUID>, CompletableFuture<Void>> sender;
    private final ReentrantLock lock = new ReentrantLock();
    private Map<K, List<Pending>> pending = new HashMap<>();
    private boolean scheduled;

    SettleBatcher(ScheduledExecutorService scheduler, Duration delay, int maxBatch,
               BiFunction<K, List<UUID>, CompletableFuture<Void>> sender) {
        this.scheduler = scheduler;
        this.delayNanos = delay.toNanos();
        this.maxBatch = maxBatch;
        this.sender = sender;
    }

    CompletableFuture<Void> add(K key, UUID id) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        List<Pending> full = null;
        lock.lock();
        try {
            List<Pending> list = pending.computeIfAbsent(key, k -> new ArrayList<>());
            list.add(new Pending(id, done));
            if (list.size() >= maxBatch || delayNanos == 0) {
                full = pending.remove(key);
            } else if (!scheduled) {
                scheduled = true;
                scheduler.schedule(this::flush, delayNanos, TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
        if (full != null) {
            send(key, full);
        }
        return done;
    }

    /** Sends everything waiting now. */
    void flush() {
        Map<K, List<Pending>> taken;
        lock.lock();
        try {
            scheduled = false;
            taken = pending;
            pending = new HashMap<>();
        } finally {
            lock.unlock();
        }
        taken.forEach(this::send);
    }

    private void send(K key, List<Pending> batch) {
        List<UUID> ids = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            ids.add(p.id);
        }
        CompletableFuture<Void> sent;
        try {
            sent = sender.apply(key, ids);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((v, error) -> {
            for (Pending p : batch) {
                if (error == null) {
                    p.done.complete(null);
                } else {
                    p.done.completeExceptionally(error);
                }
            }
        });
    }
}
