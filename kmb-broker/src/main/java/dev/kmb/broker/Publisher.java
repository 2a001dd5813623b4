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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The publish pipeline: interceptors → topic check → stamp → partition → append → receipts. Routing to
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

    Publisher(MessageLog log, TopicService topics, EnvelopeCodec codec, BrokerConfig config, BrokerMetrics metrics,
              TransactionService transactions) {
        this.transactions = transactions;
        this.log = log;
        this.topics = topics;
        this.codec = codec;
        this.config = config;
        this.metrics = metrics;
    }

    /** One message of a batch on its way to the log. */
    private record Pending(int index, Envelope envelope, LogRecord record) {
    }

    /**
     * Publishes envelopes (already decoded and validated). Completes with one receipt per envelope in
     * request order, or exceptionally with a {@link ProblemException} (429 when the log is back-pressured).
     *
     * @throws ProblemException for a refused message: nothing of the request is appended
     */
    public CompletableFuture<List<Receipt>> publish(TenantId tenant, List<Envelope> envelopes) {
        if (envelopes.isEmpty()) {
            throw new ProblemException(ProblemCode.VALIDATION_FAILED, "a publish needs at least one message");
        }
        List<Envelope> accepted = new ArrayList<>(envelopes.size());
        for (Envelope e : envelopes) {
            accepted.add(intercept(tenant, e));
        }
        Instant now = config.clock().instant();
        Map<TopicPartition, List<Pending>> groups = new LinkedHashMap<>();
        for (int i = 0; i < accepted.size(); i++) {
            Envelope e = accepted.get(i).withTimestamp(now);
            TopicRecord topic = topics.forPublish(tenant, e.topic());
            TopicName logTopic = LogNames.logTopic(tenant, topic.name());
            LogRecord record = record(e, now);
            int partition = log.partitionFor(logTopic, record);
            groups.computeIfAbsent(new TopicPartition(logTopic, partition), k -> new ArrayList<>()).add(new Pending(i, e, record));
        }
        TransactionService.Membership txn = joinTransaction(tenant, accepted);
        try {
            return append(groups, txn, accepted.size(), now);
        } catch (RuntimeException e) {
            if (txn != null) {
                txn.close();
            }
            throw e;
        }
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

    private CompletableFuture<List<Receipt>> append(Map<TopicPartition, List<Pending>> groups,
                                                    TransactionService.Membership txn, int size, Instant now) {
        Receipt[] receipts = new Receipt[size];
        List<CompletableFuture<Void>> appends = new ArrayList<>(groups.size());
        long started = System.nanoTime();
        for (Map.Entry<TopicPartition, List<Pending>> g : groups.entrySet()) {
            List<Pending> pending = g.getValue();
            List<LogRecord> records = new ArrayList<>(pending.size());
            long bytes = 0;
            for (Pending p : pending) {
                records.add(p.record());
                bytes += p.record().value().length;
            }
            long batchBytes = bytes;
            CompletableFuture<AppendResult> appended;
            if (txn == null) {
                appended = log.append(g.getKey(), records);
            } else {
                txn.touch(g.getKey());
                appended = log.appendTransactional(g.getKey(), records, txn.producerId());
            }
            appends.add(appended.thenAccept(result -> {
                AppendResult.Appended a = appended(g.getKey(), result);
                for (int j = 0; j < pending.size(); j++) {
                    Pending p = pending.get(j);
                    receipts[p.index()] = new Receipt(p.envelope().id(), p.envelope().topic(), g.getKey().partition(),
                            a.offsetOf(j), now, false);
                }
                metrics.published(pending.size(), batchBytes);
            }));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new));
        if (txn != null) {
            all = all.whenComplete((v, e) -> txn.close());
        }
        return all.thenApply(v -> {
            metrics.appendLatency(System.nanoTime() - started);
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
