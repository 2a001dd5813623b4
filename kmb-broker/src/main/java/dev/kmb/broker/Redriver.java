package dev.kmb.broker;

import dev.kmb.broker.spi.DeadLetterRef;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes selected dead letters again, each original unchanged (id, key, headers, metadata) through the
 * {@link Publisher}, so interceptors apply. Thread-safe.
 *
 * <p><b>Exactly which moves.</b> A redrive claims its selection in the state store in one transaction; a dead letter
 * already claimed (by a concurrent redrive) or redriven is not claimed again, so two redrives never both publish one.
 * It publishes what it claimed, then marks what was published as redriven (out of the dead-letter view for good) and
 * drops its claim on what failed (back in the view). The original's timestamp is the redrive's time, so a
 * {@code ttl} counts from it; a {@code transaction_id} is dropped (that transaction is over).
 *
 * <p><b>Crash mid-redrive.</b> Published but not yet marked: the claim stays, the dead letter is out of the view
 * until the claim is {@link #LEASE} old, then shows again and a later redrive publishes it a second time
 * (at-least-once). Claimed but not published: the same, with nothing duplicated.
 */
final class Redriver {

    private static final Logger LOG = LoggerFactory.getLogger(Redriver.class);

    /** How long a claim holds; a redrive that has not finished by then is taken for dead (it crashed). */
    static final Duration LEASE = Duration.ofMinutes(2);

    private static final Executor SETTLER = task -> Thread.ofVirtual().name("kmb-redrive-settle").start(task);

    private final StateStore store;
    private final TopicService topics;
    private final Publisher publisher;
    private final EnvelopeCodec codec;
    private final DeadLetterScanner scanner;
    private final Clock clock;
    private final BrokerMetrics metrics;

    Redriver(StateStore store, TopicService topics, Publisher publisher, EnvelopeCodec codec, DeadLetterScanner scanner,
             Clock clock, BrokerMetrics metrics) {
        this.store = store;
        this.topics = topics;
        this.publisher = publisher;
        this.codec = codec;
        this.scanner = scanner;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** One selected dead letter, ready to go. */
    private record Move(StoredDeadLetter letter, DeadLetterRef ref, Envelope envelope) {
    }

    /** A target must exist and may not be one of the bus's own topics: 404 / 403. */
    void requireTarget(TenantId tenant, TopicName target) {
        if (target.isReserved()) {
            throw new ProblemException(ProblemCode.FORBIDDEN, "target_topic '" + target
                    + "' is reserved for the bus; redrive into a topic of your own");
        }
        topics.require(tenant, target);
    }

    CompletableFuture<RedriveResult> redrive(TenantId tenant, TopicRecord dlq, RedriveRequest r) {
        long now = clock.millis();
        List<StoredDeadLetter> selected = new ArrayList<>();
        boolean more = select(tenant, dlq, r, now - LEASE.toMillis(), selected);
        List<RedriveResult.Failure> failed = new ArrayList<>();
        List<Move> moves = new ArrayList<>(selected.size());
        for (StoredDeadLetter d : selected) {
            try {
                moves.add(new Move(d, new DeadLetterRef(tenant, dlq.name(), d.dlqPartition(), d.dlqOffset()),
                        republished(d, r.targetTopic().orElse(d.topic()))));
            } catch (ProblemException e) {
                failed.add(new RedriveResult.Failure(d.id(), e.problem()));
            }
        }
        String claim = UUID.randomUUID().toString();
        List<DeadLetterRef> claimed = store.claimDeadLetters(claim, moves.stream().map(Move::ref).toList(), now,
                now - LEASE.toMillis());
        Set<DeadLetterRef> mine = new HashSet<>(claimed);
        List<Move> go = moves.stream().filter(m -> mine.contains(m.ref())).toList();
        if (go.size() < moves.size()) {
            LOG.info("redrive {}: {} of {} selected dead letters are being redriven by another request", claim,
                    moves.size() - go.size(), moves.size());
        }
        // issued one after another so that one key's dead letters keep their order in the target partition
        List<CompletableFuture<Receipt>> publishes = new ArrayList<>(go.size());
        for (Move m : go) {
            publishes.add(publish(tenant, m.envelope()));
        }
        // settled off the thread that completes the last append (the log's flusher), which must not wait for SQL
        return CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new)).handleAsync((v, ignored) ->
                settle(claim, go, publishes, failed, more), SETTLER);
    }

    /** Scans every partition for the selection, up to the limit; true when the limit stopped it. */
    private boolean select(TenantId tenant, TopicRecord dlq, RedriveRequest r, long claimedSince,
                           List<StoredDeadLetter> out) {
        for (int p = 0; p < dlq.spec().partitions(); p++) {
            long first = scanner.startOffset(tenant, dlq.name(), p);
            store.pruneDeadLetterMarks(tenant, dlq.name(), p, first);
            int remaining = r.limit() - out.size();
            if (remaining == 0) {
                return true;
            }
            int partition = p;
            long from = r.from().map(f -> scanner.offsetAt(tenant, dlq.name(), partition, f.toEpochMilli())).orElse(first);
            DeadLetterScanner.PartitionScan s = scanner.scan(tenant, dlq.name(), p,
                    new DeadLetterScanner.Bounds(from, r::selects, remaining, Long.MAX_VALUE, claimedSince));
            out.addAll(s.matches());
            if (!s.atEnd()) {
                return true;
            }
        }
        return false;
    }

    /** The original as it goes out again: same id, key, type, payload and metadata, on {@code target}. */
    private Envelope republished(StoredDeadLetter d, TopicName target) {
        Envelope e = codec.decode(d.original());
        return new Envelope(e.id(), Optional.empty(), target, e.type(), e.key(), e.payload(), e.metadata(),
                Optional.empty());
    }

    private CompletableFuture<Receipt> publish(TenantId tenant, Envelope e) {
        try {
            // the original id was seen on its topic: a redrive must not be answered as its duplicate
            return publisher.publish(tenant, List.of(e), PublishOptions.NO_DEDUP).thenApply(receipts -> receipts.get(0));
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /** Marks what was published, releases what was not, and says which was which. */
    private RedriveResult settle(String claim, List<Move> go, List<CompletableFuture<Receipt>> publishes,
                                 List<RedriveResult.Failure> failed, boolean more) {
        List<DeadLetterRef> moved = new ArrayList<>();
        List<DeadLetterRef> released = new ArrayList<>();
        Map<TopicName, Integer> byTopic = new LinkedHashMap<>();
        for (int i = 0; i < go.size(); i++) {
            Move m = go.get(i);
            CompletableFuture<Receipt> f = publishes.get(i);
            if (f.isCompletedExceptionally()) {
                released.add(m.ref());
                failed.add(new RedriveResult.Failure(m.letter().id(), problemOf(f)));
            } else {
                moved.add(m.ref());
                byTopic.merge(f.join().topic(), 1, Integer::sum);
            }
        }
        store.markRedriven(claim, moved, clock.millis());
        store.releaseDeadLetters(claim, released);
        metrics.redriven(moved.size());
        if (!failed.isEmpty()) {
            LOG.warn("redrive {}: {} moved, {} failed (first: {})", claim, moved.size(), failed.size(),
                    failed.get(0).problem().detail());
        }
        return new RedriveResult(moved.size(), byTopic, more, failed);
    }

    private static Problem problemOf(CompletableFuture<?> failed) {
        try {
            failed.join();
            throw new IllegalStateException("not failed");
        } catch (CompletionException e) {
            if (e.getCause() instanceof ProblemException p) {
                return p.problem();
            }
            return Problem.of(ProblemCode.UNAVAILABLE, "publish failed: " + e.getCause());
        }
    }
}
