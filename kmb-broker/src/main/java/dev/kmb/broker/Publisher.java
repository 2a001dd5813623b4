package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Header;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.TopicPartition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The publish pipeline: interceptors → topic check → stamp → partition → dedup → append → receipts. Routing to
 * subscribers follows from the append (the log tells the subscription engine). A batch is atomic per
 * partition: each partition's share is one log batch. Thread-safe and stateless between calls.
 */
public final class Publisher {

    /** Header holding the message id (16 bytes), so readers find it without parsing the envelope. */
    static final String ID_HEADER = "kmb-id";

    private final MessageLog log;
    private final TopicService topics;
    private final EnvelopeCodec codec;
    private final BrokerConfig config;
    private final BrokerMetrics metrics;
    private final TransactionService transactions;
    private final DedupWindow dedup;

    /** Where a request that waited for another's append claims its ids again (not the log's completing thread). */
    private static final Executor RECLAIM = task -> Thread.ofVirtual().name("kmb-dedup-reclaim").start(task);

    Publisher(MessageLog log, TopicService topics, EnvelopeCodec codec, BrokerConfig config, BrokerMetrics metrics,
              TransactionService transactions, DedupWindow dedup) {
        this.transactions = transactions;
        this.log = log;
        this.topics = topics;
        this.codec = codec;
        this.config = config;
        this.metrics = metrics;
        this.dedup = dedup;
    }

    /** One message of a request on its way to the log. */
    private record Pending(int index, Envelope envelope, TopicRecord topic, TopicPartition partition, LogRecord record) {
    }

    /** Publishes with the {@link PublishOptions#DEFAULT default options}: see {@link #publish(TenantId, List, PublishOptions)}. */
    public CompletableFuture<List<Receipt>> publish(TenantId tenant, List<Envelope> envelopes) {
        return publish(tenant, envelopes, PublishOptions.DEFAULT);
    }

    /**
     * Publishes envelopes (already decoded and validated). Completes with one receipt per envelope in
     * request order, or exceptionally with a {@link ProblemException} (429 when the log is back-pressured).
     * An id seen on its topic within the topic's dedup window is not appended again: its receipt is the first
     * one's, marked duplicate (so is a repeat of an id earlier in the same request).
     *
     * @throws ProblemException for a refused message: nothing of the request is appended
     */
    public CompletableFuture<List<Receipt>> publish(TenantId tenant, List<Envelope> envelopes, PublishOptions options) {
        if (envelopes.isEmpty()) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "a publish needs at least one message");
        }
        List<Envelope> accepted = new ArrayList<>(envelopes.size());
        for (Envelope e : envelopes) {
            accepted.add(intercept(tenant, e));
        }
        // the log keeps milliseconds: a receipt stamped so equals the one a restart reads back for a duplicate
        Instant now = config.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        List<Pending> out = new ArrayList<>(accepted.size());
        boolean dedup = false;
        for (int i = 0; i < accepted.size(); i++) {
            Envelope e = accepted.get(i).withTimestamp(now);
            TopicRecord topic = topics.forPublish(tenant, e.topic());
            TopicName logTopic = LogNames.logTopic(tenant, topic.name());
            LogRecord record = record(e, now);
            int partition = log.partitionFor(logTopic, record);
            out.add(new Pending(i, e, topic, new TopicPartition(logTopic, partition), record));
            dedup |= topic.dedupEnabled();
        }
        TransactionService.Membership txn = joinTransaction(tenant, accepted);
        try {
            Receipt[] receipts = new Receipt[out.size()];
            if (txn != null || !dedup) { // a transactional publish is not deduplicated: a rollback would leave its ids seen
                return append(out, null, null, receipts, null, now, false, txn);
            }
            if (!options.dedup()) {
                return append(out, null, null, receipts, null, now, true, null);
            }
            return deduplicated(out, now);
        } catch (RuntimeException e) {
            if (txn != null) {
                txn.close();
            }
            throw e;
        }
    }

    /** Claims the request's ids, then appends what is new; waits (holding no claim) for another request's append first. */
    private CompletableFuture<List<Receipt>> deduplicated(List<Pending> out, Instant now) {
        List<DedupWindow.Ask> asks = new ArrayList<>(out.size());
        int[] outIndexOfAsk = new int[out.size()];
        for (Pending p : out) {
            if (p.topic().dedupEnabled()) {
                outIndexOfAsk[asks.size()] = p.index();
                asks.add(new DedupWindow.Ask(p.topic(), p.envelope().id()));
            }
        }
        DedupWindow.Claims c = dedup.claim(asks, now.toEpochMilli());
        if (c.waitFor() != null) {
            // off the log's completing thread; if that append failed, the id is free and this request may take it
            return c.waitFor().handle((r, e) -> null).thenComposeAsync(v -> deduplicated(out, now), RECLAIM);
        }
        Receipt[] receipts = new Receipt[out.size()];
        int[] earlier = null;
        int[] claimOf = new int[out.size()]; // by request index: its ask, when that ask was claimed; else -1
        List<Pending> toAppend = new ArrayList<>(out.size());
        for (int i = 0, a = 0; i < out.size(); i++) {
            Pending p = out.get(i);
            claimOf[i] = -1;
            if (!p.topic().dedupEnabled()) {
                toAppend.add(p);
                continue;
            }
            if (c.claimed(a)) {
                claimOf[i] = a;
                toAppend.add(p);
            } else if (c.earlier(a) >= 0) {
                if (earlier == null) {
                    earlier = new int[out.size()];
                    java.util.Arrays.fill(earlier, -1);
                }
                earlier[i] = outIndexOfAsk[c.earlier(a)];
            } else {
                receipts[i] = c.duplicateOf(a);
            }
            a++;
        }
        CompletableFuture<List<Receipt>> appended;
        try {
            appended = append(toAppend, c, claimOf, receipts, earlier, now, false, null);
        } catch (RuntimeException e) {
            appended = CompletableFuture.failedFuture(e);
        }
        return appended.whenComplete((r, e) -> DedupWindow.landed(c));
    }

    /**
     * The transaction the envelopes name in {@code transaction_id} (all the same, or none), joined; null for none.
     * 404 {@code transaction_not_found}, 409 {@code transaction_closed}, 422 when a batch names several.
     */
    private TransactionService.Membership joinTransaction(TenantId tenant, List<Envelope> envelopes) {
        Optional<String> id = envelopes.get(0).transactionId();
        for (Envelope e : envelopes) {
            if (!e.transactionId().equals(id)) {
                throw new ProblemException(ProblemCode.VALIDATION_FAILED,
                        "every message of a batch must carry the same transaction_id (or none)");
            }
        }
        return id.map(t -> transactions.join(tenant, t)).orElse(null);
    }

    /**
     * Appends each partition's share as one batch and fills {@code receipts}; the request's dedup {@code claims} (null
     * when there are none; {@code claimOf}: the claimed ask by request index, or -1) are completed (or abandoned) per
     * batch as it lands (or fails). {@code remember}: note the ids in the dedup window without a claim (no-dedup
     * publishes). {@code txn}: the transaction the appends belong to (closed once they are over), or null.
     */
    private CompletableFuture<List<Receipt>> append(List<Pending> toAppend, DedupWindow.Claims claims, int[] claimOf,
                                                    Receipt[] receipts, int[] earlier, Instant now, boolean remember,
                                                    TransactionService.Membership txn) {
        Map<TopicPartition, List<Pending>> groups = new LinkedHashMap<>();
        for (Pending p : toAppend) {
            groups.computeIfAbsent(p.partition(), k -> new ArrayList<>()).add(p);
        }
        List<CompletableFuture<Void>> appends = new ArrayList<>(groups.size());
        long started = System.nanoTime();
        for (Map.Entry<TopicPartition, List<Pending>> g : groups.entrySet()) {
            List<Pending> pending = g.getValue();
            List<LogRecord> records = new ArrayList<>(pending.size());
            int[] claimed = claims == null ? null : new int[pending.size()];
            long bytes = 0;
            for (int j = 0; j < pending.size(); j++) {
                Pending p = pending.get(j);
                records.add(p.record());
                bytes += p.record().value().length;
                if (claimed != null) {
                    claimed[j] = claimOf[p.index()];
                }
            }
            long batchBytes = bytes;
            CompletableFuture<AppendResult> appended;
            if (txn == null) {
                try {
                    appended = log.append(g.getKey(), records);
                } catch (RuntimeException e) {
                    appended = CompletableFuture.failedFuture(e);
                }
            } else {
                txn.touch(g.getKey());
                appended = log.appendTransactional(g.getKey(), records, txn.producerId());
            }
            appends.add(appended.thenAccept(result -> {
                AppendResult.Appended a = appended(g.getKey(), result);
                int partition = g.getKey().partition();
                for (int j = 0; j < pending.size(); j++) {
                    Pending p = pending.get(j);
                    receipts[p.index()] = new Receipt(p.envelope().id(), p.envelope().topic(), partition, a.offsetOf(j), now, false);
                    if (remember && p.topic().dedupEnabled()) {
                        dedup.remember(p.topic(), p.envelope().id(), partition, a.offsetOf(j), now.toEpochMilli());
                    }
                }
                if (claimed != null) {
                    dedup.complete(claims, claimed, partition, a.offsetOf(0));
                }
                metrics.published(pending.size(), batchBytes);
            }).whenComplete((v, failure) -> {
                if (failure != null && claimed != null) {
                    dedup.abandon(claims, claimed);
                }
            }));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new));
        if (txn != null) {
            all = all.whenComplete((v, e) -> txn.close());
        }
        return all.thenApply(v -> {
            if (!appends.isEmpty()) {
                metrics.appendLatency(System.nanoTime() - started);
            }
            if (earlier != null) {
                for (int i = 0; i < earlier.length; i++) {
                    if (earlier[i] >= 0) {
                        receipts[i] = receipts[earlier[i]].asDuplicate();
                    }
                }
            }
            return List.of(receipts);
        });
    }

    /**
     * The log record of an envelope stamped with {@code appendedAt}: key, encoded envelope, delivery headers and that
     * timestamp. Publish and snapshot restore both build records here, so a restored message is stored as a published one.
     */
    LogRecord record(Envelope stamped, Instant appendedAt) {
        return LogRecord.of(stamped.key().map(k -> k.getBytes(StandardCharsets.UTF_8)), codec.encode(stamped),
                DeliveryControl.headers(stamped, appendedAt), appendedAt.toEpochMilli());
    }

    private Envelope intercept(TenantId tenant, Envelope envelope) {
        Envelope current = envelope;
        for (PublishInterceptor i : config.interceptors()) {
            PublishInterceptor.Decision d = i.intercept(tenant, current);
            if (d instanceof PublishInterceptor.Reject r) {
                throw new ProblemException(r.problem());
            }
            current = ((PublishInterceptor.Continue) d).envelope();
        }
        return current;
    }

    /** The appended result, or the problem a back-pressured or rejected append is answered with. */
    static AppendResult.Appended appended(TopicPartition tp, AppendResult result) {
        if (result instanceof AppendResult.Appended a) {
            return a;
        }
        if (result instanceof AppendResult.BackPressured b) {
            throw new ProblemException(ProblemCode.BACK_PRESSURED, "partition " + tp.partition()
                    + " cannot keep up (" + b.reason() + "); retry after a short pause");
        }
        AppendResult.Rejected r = (AppendResult.Rejected) result;
        ProblemCode code = switch (r.reason()) {
            case UNKNOWN_TOPIC, UNKNOWN_PARTITION -> ProblemCode.TOPIC_NOT_FOUND;
            case BATCH_TOO_LARGE -> ProblemCode.MESSAGE_TOO_LARGE;
            case EMPTY_BATCH -> ProblemCode.VALIDATION_FAILED;
            case CLOSED -> ProblemCode.UNAVAILABLE;
        };
        throw new ProblemException(code, r.detail());
    }

    static byte[] uuidBytes(UUID id) {
        return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
    }

    static Optional<UUID> uuidOf(byte[] bytes) {
        if (bytes.length != 16) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return Optional.of(new UUID(b.getLong(), b.getLong()));
    }
}
