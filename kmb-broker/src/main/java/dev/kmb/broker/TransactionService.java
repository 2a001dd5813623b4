package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TransactionRecord;
import dev.kmb.broker.spi.TransactionState;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.UuidV7;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import dev.kmb.log.spi.TransactionLostException;
import dev.kmb.log.spi.TxnMarker;
import dev.kmb.log.spi.UnknownTopicException;
import dev.kmb.core.TopicName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator, as Kafka's: gives each transaction a producer id, lets publishes join it, and on
 * commit or rollback first stores the decision, then writes a COMMIT or ABORT marker into every partition the
 * transaction touched, then stores the outcome. A timer aborts a transaction left open past its timeout, so the
 * partitions' last stable offset moves on and consumers are never held longer than that.
 *
 * <p>A transaction belongs to the node that began it ({@link TransactionRecord#node()}): only that node's coordinator
 * knows the partitions it touched (and on Kafka holds its producer), so other nodes sharing the store refuse its
 * publishes, commit and rollback with 409 {@code conflict} naming the owner. Producer ids are unique across the nodes:
 * one taken by another node meanwhile is skipped.
 *
 * <p>Thread-safe. Crash behaviour: the state store holds every decision before a marker is written; at start-up
 * {@link #recover()} takes this node's unfinished transactions. Where the log keeps transactions across a restart
 * (embedded) it resumes open ones with their remaining timeout (aborting expired ones), rolls committing and aborting
 * ones forward to every partition where the log still holds them open, and aborts any transaction the log holds open
 * that the store does not know as unfinished. Where it does not (Kafka), the log ends each one
 * ({@link MessageLog#recoverTransaction}) and the outcome it reports is stored.
 */
public final class TransactionService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionService.class);
    /** Longest a commit waits for publishes of the transaction that are still being appended. */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(30);
    /** How many producer ids a begin tries when other nodes sharing the store take them first. */
    private static final int PRODUCER_ID_ATTEMPTS = 20;
    /** Why a transaction the log ended at start-up, because it could not outlive the restart, was aborted. */
    static final String REASON_RESTART = "restart";
    /** Why a transaction the log aborted by itself (Kafka fenced or timed out its producer) ended. */
    static final String REASON_LOST = "lost";

    private record Key(TenantId tenant, String id) {
    }

    /** A transaction not finished yet: its record, the publishes in flight, and the partitions it touched. */
    private static final class Live {
        final ReentrantLock lock = new ReentrantLock();
        final Condition drained = lock.newCondition();
        final Set<TopicPartition> touched = ConcurrentHashMap.newKeySet();
        TransactionRecord record; // under lock
        int inFlight; // under lock
        CompletableFuture<TransactionRecord> ending; // under lock: the first commit/rollback/timeout

        Live(TransactionRecord record) {
            this.record = record;
        }
    }

    /** A publish's membership of a transaction: the producer id to append under. Close it when the appends are done. */
    public interface Membership extends AutoCloseable {
        long producerId();

        /** The publish appends to {@code partition}: it gets a marker when the transaction ends. */
        void touch(TopicPartition partition);

        @Override
        void close();
    }

    private final MessageLog log;
    private final StateStore store;
    private final TransactionConfig config;
    private final String node;
    private final Clock clock;
    private final UuidV7 ids;
    private final Map<Key, Live> live = new ConcurrentHashMap<>();
    private final AtomicLong lastProducerId;
    private final ScheduledExecutorService timer;
    /** Stores outcomes off the log's flusher thread, which completes the markers' appends. */
    private final java.util.concurrent.ExecutorService settler = Executors.newVirtualThreadPerTaskExecutor();

    private final io.micrometer.core.instrument.Counter begun;
    private final io.micrometer.core.instrument.MeterRegistry registry;

    /** {@code node}: this node's id in a cluster, {@code ""} for a bus of one node. */
    TransactionService(MessageLog log, StateStore store, TransactionConfig config, String node, Clock clock,
                       BrokerMetrics metrics) {
        this.registry = metrics.registry();
        this.begun = io.micrometer.core.instrument.Counter.builder("kmb.transactions.begun")
                .description("transactions opened").register(registry);
        io.micrometer.core.instrument.Gauge.builder("kmb.transactions.open", live, Map::size)
                .description("transactions not ended yet (open, committing, aborting)").register(registry);
        this.log = log;
        this.store = store;
        this.config = config;
        this.node = java.util.Objects.requireNonNull(node, "node");
        this.clock = clock;
        this.ids = new UuidV7(clock);
        this.lastProducerId = new AtomicLong(store.maxProducerId());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kmb-txn-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the timeout timer. */
    void start() {
        long every = config.sweepInterval().toMillis();
        timer.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- API

    /** Opens a transaction; {@code timeout} empty means the default. 422 for a timeout out of range. */
    public TransactionRecord begin(TenantId tenant, Optional<Duration> timeout) {
        if (!log.supportsTransactions()) {
            throw new ProblemException(ProblemCode.UNSUPPORTED, "transactions are not available on this log backend");
        }
        Duration t = timeout.orElse(config.defaultTimeout());
        if (t.isNegative() || t.isZero() || t.compareTo(config.maxTimeout()) > 0) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "timeout must be more than 0 s and at most "
                    + config.maxTimeout().toSeconds() + " s, was " + t.toMillis() / 1000.0 + " s");
        }
        Instant now = clock.instant();
        String id = ids.get().toString();
        TransactionRecord r;
        for (int attempt = 1; ; attempt++) {
            r = new TransactionRecord(tenant, id, lastProducerId.incrementAndGet(), TransactionState.OPEN, "", t, now,
                    now.plus(t), now, node);
            if (store.createTransaction(r)) {
                break;
            }
            // another node sharing the store took this producer id (the id is a fresh UUIDv7): go past its largest
            if (attempt == PRODUCER_ID_ATTEMPTS) {
                throw new ProblemException(ProblemCode.UNAVAILABLE, "no free producer id after " + attempt
                        + " attempts; other nodes are taking them as fast: try again");
            }
            long taken = store.maxProducerId();
            lastProducerId.accumulateAndGet(taken, Math::max);
        }
        live.put(new Key(tenant, r.id()), new Live(r));
        begun.increment();
        return r;
    }

    /** A transaction's current record; 404 {@code transaction_not_found}. */
    public TransactionRecord get(TenantId tenant, String id) {
        Live l = live.get(new Key(tenant, id));
        if (l != null) {
            l.lock.lock();
            try {
                return l.record;
            } finally {
                l.lock.unlock();
            }
        }
        return store.transaction(tenant, id).orElseThrow(() -> notFound(id));
    }

    /**
     * Joins a publish to an open transaction; 404 when unknown, 409 {@code transaction_closed} when committed,
     * aborted or past its timeout.
     */
    public Membership join(TenantId tenant, String id) {
        Live l = live.get(new Key(tenant, id));
        if (l == null) {
            TransactionRecord r = store.transaction(tenant, id).orElseThrow(() -> notFound(id));
            throw elsewhereOrClosed(r);
        }
        l.lock.lock();
        try {
            if (l.record.state() != TransactionState.OPEN || expired(l.record)) {
                throw closed(l.record);
            }
            l.inFlight++;
        } finally {
            l.lock.unlock();
        }
        return new Membership() {
            private boolean closed;

            @Override
            public long producerId() {
                return l.record.producerId();
            }

            @Override
            public void touch(TopicPartition partition) {
                l.touched.add(partition);
            }

            @Override
            public void close() {
                l.lock.lock();
                try {
                    if (!closed) {
                        closed = true;
                        if (--l.inFlight == 0) {
                            l.drained.signalAll();
                        }
                    }
                } finally {
                    l.lock.unlock();
                }
            }
        };
    }

    /** Commits: every message of the transaction becomes visible. Idempotent; 409 when it was aborted or expired. */
    public TransactionRecord commit(TenantId tenant, String id) {
        return end(tenant, id, TxnMarker.COMMIT, "");
    }

    /** Rolls back: every message of the transaction is discarded. Idempotent; 409 when it was committed. */
    public TransactionRecord rollback(TenantId tenant, String id) {
        return end(tenant, id, TxnMarker.ABORT, "rollback");
    }

    private TransactionRecord end(TenantId tenant, String id, TxnMarker marker, String reason) {
        Live l = live.get(new Key(tenant, id));
        if (l == null) {
            TransactionRecord r = store.transaction(tenant, id).orElseThrow(() -> notFound(id));
            if (r.state() == finalState(marker)) {
                return r;
            }
            throw elsewhereOrClosed(r);
        }
        TransactionState deciding = marker == TxnMarker.COMMIT ? TransactionState.COMMITTING : TransactionState.ABORTING;
        CompletableFuture<TransactionRecord> ending;
        boolean timedOut = false;
        l.lock.lock();
        try {
            TransactionState state = l.record.state();
            if (state == TransactionState.OPEN && l.ending == null) {
                timedOut = marker == TxnMarker.COMMIT && expired(l.record);
                decide(l, timedOut ? TransactionState.ABORTING : deciding, timedOut ? "timeout" : reason);
            } else if (state != deciding && state != finalState(marker)) {
                throw closed(l.record);
            } else if (l.ending == null) {
                startEnding(l); // markers failed before: write them again
            }
            ending = l.ending;
        } finally {
            l.lock.unlock();
        }
        if (timedOut) {
            joinQuietly(ending);
            throw closed(l.record);
        }
        return Futures.join(ending);
    }

    /** Stores the decision, then ends the transaction (lock held). */
    private void decide(Live l, TransactionState deciding, String reason) {
        TransactionRecord decided = l.record.with(deciding, reason, clock.instant());
        if (!store.updateTransaction(decided, TransactionState.OPEN)) {
            throw new IllegalStateException("transaction " + l.record.id() + " changed in the store under the coordinator");
        }
        l.record = decided;
        startEnding(l);
    }

    /** Waits for publishes still appending, then writes the markers; {@code l.ending} completes after (lock held). */
    private void startEnding(Live l) {
        CompletableFuture<TransactionRecord> ending = new CompletableFuture<>();
        l.ending = ending;
        long deadline = System.nanoTime() + DRAIN_WAIT.toNanos();
        try {
            while (l.inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("transaction {}: {} publish(es) still appending after {}; ending without waiting",
                            l.record.id(), l.inFlight, DRAIN_WAIT);
                    break;
                }
                l.drained.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TransactionRecord decided = l.record;
        finish(l, decided).whenComplete((r, e) -> {
            TransactionLostException lost = lostIn(e);
            if (lost != null) {
                settler.execute(() -> {
                    try {
                        settleLost(l, decided);
                    } catch (RuntimeException failure) {
                        LOG.warn("transaction {}: storing its loss failed; the timer retries", decided.id(), failure);
                        resetEnding(l);
                        ending.completeExceptionally(failure);
                        return;
                    }
                    ending.completeExceptionally(new ProblemException(ProblemCode.TRANSACTION_CLOSED, "transaction "
                            + decided.id() + " was aborted by the log and cannot commit: " + lost.getMessage()));
                });
            } else if (e != null) {
                LOG.warn("transaction {}: markers not all written ({}); the timer retries", decided.id(), e.toString());
                resetEnding(l); // the next commit, rollback or sweep writes them again
                ending.completeExceptionally(e);
            } else {
                ending.complete(r);
            }
        });
    }

    private void countEnded(TransactionState outcome, String reason) {
        io.micrometer.core.instrument.Counter.builder("kmb.transactions.ended").description("transactions committed or aborted")
                .tag("outcome", outcome.wireName()).tag("reason", reason).register(registry).increment();
    }

    private static void resetEnding(Live l) {
        l.lock.lock();
        try {
            l.ending = null;
        } finally {
            l.lock.unlock();
        }
    }

    private static TransactionLostException lostIn(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof TransactionLostException lost) {
                return lost;
            }
        }
        return null;
    }

    /** The log aborted the transaction by itself (Kafka fenced or timed it out): store it aborted, reason {@value #REASON_LOST}. */
    private void settleLost(Live l, TransactionRecord decided) {
        settle(l, decided, TransactionState.ABORTED, REASON_LOST);
        LOG.warn("transaction {} was aborted by the log before it could commit", decided.id());
    }

    /** Stores the transaction's final state, forgets it, counts it; returns the stored record. */
    private TransactionRecord settle(Live l, TransactionRecord decided, TransactionState done, String reason) {
        TransactionRecord finished = decided.with(done, reason, clock.instant());
        store.updateTransaction(finished, decided.state());
        l.lock.lock();
        try {
            l.record = finished;
        } finally {
            l.lock.unlock();
        }
        live.remove(new Key(decided.tenant(), decided.id()));
        countEnded(done, reason.isEmpty() ? "commit" : reason);
        return finished;
    }

    /** Writes the decided transaction's markers into every partition it touched, then stores the outcome. */
    private CompletableFuture<TransactionRecord> finish(Live l, TransactionRecord decided) {
        TxnMarker marker = decided.state() == TransactionState.COMMITTING ? TxnMarker.COMMIT : TxnMarker.ABORT;
        List<CompletableFuture<AppendResult>> writes = new ArrayList<>();
        for (TopicPartition tp : l.touched) {
            writes.add(writeMarker(tp, decided.producerId(), marker));
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApplyAsync(v -> {
            TransactionState done = finalState(marker);
            TransactionRecord finished = settle(l, decided, done, decided.reason());
            LOG.debug("transaction {} {} on {} partition(s)", decided.id(), done.wireName(), l.touched.size());
            return finished;
        }, settler);
    }

    private CompletableFuture<AppendResult> writeMarker(TopicPartition tp, long producerId, TxnMarker marker) {
        CompletableFuture<AppendResult> f;
        try {
            f = log.writeTxnMarker(tp, producerId, marker);
        } catch (UnknownTopicException e) {
            return CompletableFuture.completedFuture(null); // the topic was deleted: nothing left to mark
        }
        return f.thenApply(r -> {
            if (r instanceof AppendResult.Rejected rej && rej.reason() != AppendResult.Reason.UNKNOWN_TOPIC
                    && rej.reason() != AppendResult.Reason.UNKNOWN_PARTITION) {
                throw new ProblemException(ProblemCode.UNAVAILABLE, "marker on " + tp + " refused: " + rej.detail());
            }
            if (r instanceof AppendResult.BackPressured b) {
                throw new ProblemException(ProblemCode.BACK_PRESSURED, "marker on " + tp + ": " + b.reason());
            }
            return r;
        });
    }

    // ---------------------------------------------------------------- timeout

    private boolean expired(TransactionRecord r) {
        return !clock.instant().isBefore(r.expiresAt());
    }

    /** Aborts an open transaction past its timeout, or writes the markers of a decided one again. */
    private void maybeEnd(Live l, boolean retryDecided) {
        CompletableFuture<TransactionRecord> ending = null;
        l.lock.lock();
        try {
            if (l.ending == null && l.record.state() == TransactionState.OPEN && expired(l.record)) {
                LOG.info("transaction {} timed out after {}; aborting", l.record.id(), l.record.timeout());
                decide(l, TransactionState.ABORTING, "timeout");
                ending = l.ending;
            } else if (l.ending == null && l.record.state().closed() && retryDecided) {
                startEnding(l);
                ending = l.ending;
            }
        } finally {
            l.lock.unlock();
        }
        if (ending != null) {
            joinQuietly(ending);
        }
    }

    /** The timer: aborts expired transactions and retries endings whose markers failed. */
    void sweep() {
        for (Live l : List.copyOf(live.values())) {
            try {
                maybeEnd(l, true);
            } catch (RuntimeException e) {
                LOG.warn("transaction sweep failed", e);
            }
        }
    }

    // ---------------------------------------------------------------- start-up

    /**
     * Brings the log and the store back in line after a restart; see the class comment. Runs before the API opens.
     */
    void recover() {
        Map<Long, List<TopicPartition>> openInLog = new HashMap<>();
        for (Map.Entry<TopicName, TopicSpec> t : log.topics().entrySet()) {
            for (int p = 0; p < t.getValue().partitions(); p++) {
                TopicPartition tp = new TopicPartition(t.getKey(), p);
                for (Long pid : log.openTransactions(tp).keySet()) {
                    openInLog.computeIfAbsent(pid, k -> new ArrayList<>()).add(tp);
                }
            }
        }
        int resumed = 0;
        int ended = 0;
        for (TransactionRecord r : store.unfinishedTransactions()) {
            if (!r.node().equals(node)) {
                openInLog.remove(r.producerId()); // another node's, still running: not an orphan
                continue;
            }
            Optional<TxnMarker> decided = switch (r.state()) {
                case COMMITTING -> Optional.of(TxnMarker.COMMIT);
                case ABORTING -> Optional.of(TxnMarker.ABORT);
                default -> Optional.empty();
            };
            Optional<TxnMarker> endedByLog = log.recoverTransaction(r.producerId(), decided);
            if (endedByLog.isPresent()) {
                storeRecovered(r, endedByLog.get());
                openInLog.remove(r.producerId());
                ended++;
                continue;
            }
            Live l = new Live(r);
            l.touched.addAll(openInLog.getOrDefault(r.producerId(), List.of()));
            openInLog.remove(r.producerId());
            live.put(new Key(r.tenant(), r.id()), l);
            if (r.state() == TransactionState.OPEN && !expired(r)) {
                resumed++;
                continue;
            }
            ended++;
            maybeEnd(l, true);
        }
        for (Map.Entry<Long, List<TopicPartition>> orphan : openInLog.entrySet()) {
            LOG.warn("producer id {} is open in the log on {} but not an unfinished transaction; aborting it there",
                    orphan.getKey(), orphan.getValue());
            for (TopicPartition tp : orphan.getValue()) {
                joinQuietly(writeMarker(tp, orphan.getKey(), TxnMarker.ABORT));
            }
        }
        if (resumed + ended > 0 || !openInLog.isEmpty()) {
            LOG.info("transactions recovered: {} resumed, {} ended, {} orphan(s) aborted", resumed, ended, openInLog.size());
        }
    }

    /** Stores the outcome the log reports for a transaction it ended at start-up. */
    private void storeRecovered(TransactionRecord r, TxnMarker outcome) {
        String reason = outcome == TxnMarker.COMMIT ? "" : r.reason().isEmpty() ? REASON_RESTART : r.reason();
        TransactionRecord finished = r.with(finalState(outcome), reason, clock.instant());
        if (!store.updateTransaction(finished, r.state())) {
            throw new IllegalStateException("transaction " + r.id() + " changed in the store during recovery");
        }
        if (r.state() == TransactionState.COMMITTING && outcome == TxnMarker.ABORT) {
            LOG.warn("transaction {} was committing when the bus stopped, but its commit never reached the log: aborted",
                    r.id());
        } else {
            LOG.info("transaction {} ({}) ended at start-up: {}", r.id(), r.state().wireName(), finished.state().wireName());
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void joinQuietly(CompletableFuture<?> f) {
        try {
            f.join();
        } catch (RuntimeException e) {
            LOG.warn("transaction ending failed; the timer retries: {}", e.toString());
        }
    }

    private static TransactionState finalState(TxnMarker marker) {
        return marker == TxnMarker.COMMIT ? TransactionState.COMMITTED : TransactionState.ABORTED;
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(ProblemCode.TRANSACTION_NOT_FOUND, "transaction " + id + " does not exist");
    }

    /** 409: {@code conflict} naming the owner when another node holds the unfinished transaction, else {@code transaction_closed}. */
    private ProblemException elsewhereOrClosed(TransactionRecord r) {
        if (!r.node().equals(node) && (!r.state().closed() || r.state() == TransactionState.COMMITTING
                || r.state() == TransactionState.ABORTING)) {
            return new ProblemException(ProblemCode.CONFLICT, "transaction " + r.id() + " belongs to node '"
                    + (r.node().isEmpty() ? "(single node)" : r.node()) + "', which began it; send its publishes, commit and"
                    + " rollback to that node (this is node '" + node + "')");
        }
        return closed(r);
    }

    private ProblemException closed(TransactionRecord r) {
        String why = r.state() == TransactionState.OPEN || "timeout".equals(r.reason())
                ? "timed out at " + r.expiresAt() : "is " + r.state().wireName();
        return new ProblemException(ProblemCode.TRANSACTION_CLOSED, "transaction " + r.id() + " " + why
                + "; it takes no more publishes");
    }

    @Override
    public void close() {
        timer.shutdownNow();
        settler.shutdown();
    }
}
