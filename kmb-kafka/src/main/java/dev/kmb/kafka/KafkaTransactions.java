package dev.kmb.kafka;

import dev.kmb.log.spi.LogException;
import dev.kmb.log.spi.TransactionLostException;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TxnMarker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KMB transactions as Kafka transactions: one transactional {@link KafkaProducer} per open KMB transaction, whose
 * {@code transactional.id} is {@code <topic prefix>kmb-txn-<node id>-<producer id>}, so the same node finds it again
 * after a restart. The first append of a producer id creates the producer ({@code initTransactions},
 * {@code beginTransaction}); the first marker ends it ({@code commitTransaction} or {@code abortTransaction}: Kafka's
 * coordinator writes the markers into every partition itself), waits until Kafka reports the markers written, and
 * closes the producer. Every blocking Kafka call runs on a virtual thread of this class, never on a producer's I/O
 * thread nor under a caller's lock.
 *
 * <p>Thread-safe. Crash behaviour: an open transaction lives in its producer; a graceful {@link #close()} aborts it
 * (Kafka's producer aborts an incomplete transaction when closed), a crash leaves it open in Kafka until
 * {@link #recover} fences it (or Kafka's {@code transaction.timeout.ms} passes).
 */
final class KafkaTransactions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactions.class);
    /** Kafka's default {@code transaction.max.timeout.ms}; KMB's own timer ends transactions long before. */
    static final long DEFAULT_TRANSACTION_TIMEOUT_MS = Duration.ofMinutes(15).toMillis();

    /** One KMB transaction's producer: {@code ready} once it began, {@code ending} once its first marker came. */
    private final class Txn {
        final long producerId;
        final CompletableFuture<KafkaProducer<byte[], byte[]>> ready;
        final java.util.Set<TopicPartition> partitions = ConcurrentHashMap.newKeySet();
        private CompletableFuture<Void> ending; // under this

        Txn(long producerId) {
            this.producerId = producerId;
            this.ready = CompletableFuture.supplyAsync(() -> begin(producerId), blocking);
        }

        synchronized CompletableFuture<Void> end(TxnMarker marker) {
            if (ending == null || ending.isCompletedExceptionally()) {
                ending = ready.thenAcceptAsync(p -> finish(this, p, marker), blocking);
            }
            return ending;
        }
    }

    private final Map<String, Object> producerProps;
    private final String idPrefix;
    private final Admin admin;
    private final Duration timeout;
    private final Map<Long, Txn> open = new ConcurrentHashMap<>();
    private final Map<TopicPartition, java.util.concurrent.atomic.AtomicInteger> openOn = new ConcurrentHashMap<>();
    private final ExecutorService blocking = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("kmb-kafka-txn-", 0).factory());

    /**
     * @param producerProps the shared producer's properties (acks=all, idempotence, client properties)
     * @param idPrefix      {@code <topic prefix>kmb-txn-<node id>-}
     */
    KafkaTransactions(Map<String, Object> producerProps, String idPrefix, Admin admin, Duration timeout) {
        this.producerProps = Map.copyOf(producerProps);
        this.idPrefix = idPrefix;
        this.admin = admin;
        this.timeout = timeout;
    }

    /** The {@code transactional.id} of a KMB transaction. */
    String transactionalId(long producerId) {
        return idPrefix + producerId;
    }

    /** The producer of {@code producerId}, begun on first use, to append to {@code tp}; completes off every caller's thread. */
    CompletableFuture<KafkaProducer<byte[], byte[]>> producer(long producerId, TopicPartition tp) {
        Txn t = open.computeIfAbsent(producerId, Txn::new);
        if (t.partitions.add(tp)) {
            openOn.computeIfAbsent(tp, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        }
        return t.ready;
    }

    /** True while a transaction of this node is open on {@code tp}: the partition's end is not its high watermark. */
    boolean holdsOpen(TopicPartition tp) {
        if (openOn.isEmpty()) {
            return false;
        }
        java.util.concurrent.atomic.AtomicInteger n = openOn.get(tp);
        return n != null && n.get() > 0;
    }

    private void forget(Txn t) {
        open.remove(t.producerId);
        for (TopicPartition tp : t.partitions) {
            openOn.computeIfPresent(tp, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
    }

    /** The virtual threads that run blocking Kafka calls. */
    java.util.concurrent.Executor executor() {
        return blocking;
    }

    /**
     * Ends the transaction with {@code marker}: the first call commits or aborts it in Kafka, later calls (its other
     * partitions) share that ending. Completes once Kafka has written every marker. A producer id without a producer
     * here (never appended to, or ended already) completes at once.
     */
    CompletableFuture<Void> end(long producerId, TxnMarker marker) {
        Txn t = open.get(producerId);
        return t == null ? CompletableFuture.completedFuture(null) : t.end(marker);
    }

    private KafkaProducer<byte[], byte[]> begin(long producerId) {
        Map<String, Object> p = new java.util.HashMap<>(producerProps);
        String tid = transactionalId(producerId);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, tid);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "kmb-txn-" + ProcessHandle.current().pid() + "-" + producerId);
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) DEFAULT_TRANSACTION_TIMEOUT_MS);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
            producer.beginTransaction();
            return producer;
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            Txn t = open.get(producerId);
            if (t != null) {
                forget(t);
            }
            throw new LogException("cannot begin Kafka transaction " + tid + ": " + e.getMessage(), e);
        }
    }

    private void finish(Txn t, KafkaProducer<byte[], byte[]> producer, TxnMarker marker) {
        String tid = transactionalId(t.producerId);
        try {
            if (marker == TxnMarker.COMMIT) {
                producer.commitTransaction();
            } else {
                producer.abortTransaction();
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            if (e instanceof org.apache.kafka.common.errors.RetriableException || e instanceof org.apache.kafka.common.errors.InterruptException) {
                throw new LogException((marker == TxnMarker.COMMIT ? "commit" : "abort") + " of Kafka transaction " + tid
                        + " failed: " + e.getMessage(), e); // the coordinator's timer tries again
            }
            // fatal for this producer (fenced, epoch bumped, timed out by Kafka, or abortable only): Kafka aborts or
            // has aborted the transaction, and this producer can do nothing more with it
            if (e instanceof org.apache.kafka.common.errors.TransactionAbortableException) {
                try {
                    producer.abortTransaction();
                } catch (org.apache.kafka.common.KafkaException ignored) {
                    // fenced meanwhile: aborted all the same
                }
            }
            forget(t);
            producer.close(Duration.ZERO);
            if (marker == TxnMarker.ABORT) {
                return; // what was asked for: the transaction is aborted
            }
            throw new TransactionLostException("Kafka transaction " + tid + " can no longer commit, Kafka aborts it: "
                    + e.getMessage(), e);
        }
        awaitMarkers(tid, marker);
        forget(t);
        producer.close(timeout);
    }

    /**
     * Kafka answers EndTxn once its coordinator has logged the decision and writes the markers afterwards; KMB's
     * commit promises visible messages, so wait until the coordinator reports the transaction complete.
     */
    private void awaitMarkers(String tid, TxnMarker marker) {
        var want = marker == TxnMarker.COMMIT ? org.apache.kafka.clients.admin.TransactionState.COMPLETE_COMMIT
                : org.apache.kafka.clients.admin.TransactionState.COMPLETE_ABORT;
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 1_000_000L;
        while (true) {
            var state = describe(tid).map(TransactionDescription::state).orElse(want);
            if (state == want || state == org.apache.kafka.clients.admin.TransactionState.EMPTY) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new LogException("Kafka transaction " + tid + " still " + state + " after " + timeout.toMillis() + " ms");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 50_000_000L);
        }
    }

    private Optional<TransactionDescription> describe(String tid) {
        try {
            return Optional.of(KafkaCalls.await(admin.describeTransactions(List.of(tid)).description(tid), timeout,
                    "describe transaction " + tid));
        } catch (KafkaCalls.KafkaCallException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Ends, after a restart, a transaction an earlier run of this node left unfinished, and answers how Kafka ended it.
     * Reads the transaction's state from Kafka's coordinator; one still Ongoing or Prepare* is fenced by a new producer
     * with its {@code transactional.id} ({@code initTransactions} aborts an Ongoing one and completes a prepared one).
     * CompleteCommit and PrepareCommit are COMMIT; an unknown id (no record ever reached Kafka) is {@code decided};
     * everything else (Ongoing, CompleteAbort, Empty) is ABORT. Blocks: call it from start-up, not a producer thread.
     */
    TxnMarker recover(long producerId, Optional<TxnMarker> decided) {
        String tid = transactionalId(producerId);
        Optional<TransactionDescription> d = describe(tid);
        if (d.isEmpty()) {
            return decided.orElse(TxnMarker.ABORT);
        }
        var state = d.get().state();
        TxnMarker outcome = switch (state) {
            case COMPLETE_COMMIT, PREPARE_COMMIT -> TxnMarker.COMMIT;
            default -> TxnMarker.ABORT;
        };
        switch (state) {
            case ONGOING, PREPARE_COMMIT, PREPARE_ABORT, PREPARE_EPOCH_FENCE -> fence(tid);
            default -> {
                // ended already: fencing would only reset the state Kafka keeps of its outcome
            }
        }
        LOG.info("Kafka transaction {} was {} at start-up: {}", tid, state, outcome == TxnMarker.COMMIT ? "committed" : "aborted");
        return outcome;
    }

    private void fence(String tid) {
        Map<String, Object> p = new java.util.HashMap<>(producerProps);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, tid);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "kmb-txn-fence-" + ProcessHandle.current().pid());
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) DEFAULT_TRANSACTION_TIMEOUT_MS);
        try (KafkaProducer<byte[], byte[]> fencer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            fencer.initTransactions(); // bumps the epoch: the old producer is fenced, its open transaction ended
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new LogException("cannot fence Kafka transaction " + tid + ": " + e.getMessage(), e);
        }
    }

    /** Closes every producer still open (each aborts its transaction), then the executor. */
    @Override
    public void close() {
        for (Txn t : List.copyOf(open.values())) {
            t.ready.thenAccept(p -> p.close(timeout)).exceptionally(e -> null);
        }
        open.clear();
        openOn.clear();
        blocking.shutdown();
        try {
            blocking.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
