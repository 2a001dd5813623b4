package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.core.UuidV7;
import dev.kmb.log.spi.AppendResult;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.LogRecord;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicPartition;
import dev.kmb.log.spi.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Dead letters: stores what subscriptions give up on (the {@link DeadLetterSink}), lists them, and redrives them
 * (see {@link Redriver}). Thread-safe.
 *
 * <p>A dead letter goes to its subscription's own dead-letter topic, or to {@value #SYSTEM_DLQ_NAME} of its tenant,
 * as an envelope in {@link DeadLetterFormat}. The bus creates {@value #SYSTEM_DLQ_NAME} on first use with
 * {@link #SYSTEM_DLQ_SPEC}, and a subscription's own topic, when absent, with the broker's default topic spec. The
 * sink's future completes once the append met that topic's durability; only then does the dispatcher ack the original,
 * so a crash in between dead-letters it again (at-least-once: the dead-letter topic may hold it twice).
 */
public final class DeadLetterService implements DeadLetterSink {

    /** Name of the bus's dead-letter topic (one per tenant). */
    public static final String SYSTEM_DLQ_NAME = "kmb.system.dlq";
    /** The bus's dead-letter topic. */
    public static final TopicName SYSTEM_DLQ = TopicName.of(SYSTEM_DLQ_NAME);
    /**
     * How {@value #SYSTEM_DLQ_NAME} is created: 4 partitions (a key's dead letters stay in order in one), persistent
     * (fsync'd before the original is acked), kept 7 days, uncompressed.
     */
    public static final TopicSpec SYSTEM_DLQ_SPEC = new TopicSpec(4, Durability.PERSISTENT,
            Retention.maxAge(Duration.ofDays(7)), Compression.NONE);
    /** Records of one partition a listing looks at per request; past it the page is shorter and has a cursor. */
    static final int LIST_SCAN_BUDGET = 10_000;

    private final MessageLog log;
    private final TopicService topics;
    private final EnvelopeCodec codec;
    private final BrokerConfig config;
    private final DeadLetterScanner scanner;
    private final Redriver redriver;
    private final Supplier<UUID> ids;

    DeadLetterService(MessageLog log, StateStore store, TopicService topics, Publisher publisher, EnvelopeCodec codec,
                      BrokerConfig config, BrokerMetrics metrics) {
        this.log = log;
        this.topics = topics;
        this.codec = codec;
        this.config = config;
        this.scanner = new DeadLetterScanner(log, store);
        this.redriver = new Redriver(store, topics, publisher, codec, scanner, config.clock(), metrics);
        this.ids = new UuidV7(config.clock());
    }

    @Override
    public CompletableFuture<Void> deadLetter(DeadLetter letter) {
        try {
            TopicName topic = letter.deadLetterTopic().orElse(SYSTEM_DLQ);
            ensureTopic(letter.tenant(), topic);
            Instant now = config.clock().instant();
            Envelope e = DeadLetterFormat.envelope(letter, topic, ids.get()).withTimestamp(now);
            LogRecord record = LogRecord.of(e.key().map(k -> k.getBytes(StandardCharsets.UTF_8)),
                    codec.encode(e), DeliveryControl.headers(e, now), now.toEpochMilli());
            TopicName logTopic = LogNames.logTopic(letter.tenant(), topic);
            TopicPartition tp = new TopicPartition(logTopic, log.partitionFor(logTopic, record));
            return log.append(tp, List.of(record)).thenAccept(r -> requireAppended(tp, r));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Creates the dead-letter topic on first use; a concurrent creation is as good. */
    private void ensureTopic(TenantId tenant, TopicName topic) {
        if (topics.find(tenant, topic).isPresent()) {
            return;
        }
        TopicSpec spec = topic.equals(SYSTEM_DLQ) ? SYSTEM_DLQ_SPEC : config.defaultTopicSpec();
        try {
            topics.createInternal(tenant, topic, spec);
        } catch (ProblemException e) {
            if (e.problem().code() != ProblemCode.TOPIC_EXISTS) {
                throw e;
            }
        }
    }

    private static void requireAppended(TopicPartition tp, AppendResult r) {
        if (!(r instanceof AppendResult.Appended)) {
            throw new IllegalStateException("dead letter not appended to " + tp + ": " + r);
        }
    }

    /**
     * Lists dead letters, oldest first, without what was redriven. An unknown dead-letter topic is 404
     * {@code topic_not_found}, except {@value #SYSTEM_DLQ_NAME} before its first dead letter (an empty page).
     *
     * @throws ProblemException 400 {@code bad_request} for a cursor this listing did not give out
     */
    public DeadLetterPage list(TenantId tenant, DeadLetterQuery q) {
        Optional<TopicRecord> dlq = deadLetterTopic(tenant, q.deadLetterTopic());
        if (dlq.isEmpty()) {
            return new DeadLetterPage(List.of(), Optional.empty());
        }
        Map<Integer, Long> cursor = q.cursor().map(DeadLetterService::parseCursor).orElse(Map.of());
        long claimedSince = config.clock().millis() - Redriver.LEASE.toMillis();
        List<DeadLetterScanner.PartitionScan> scans = new ArrayList<>();
        for (int p = 0; p < dlq.get().spec().partitions(); p++) {
            int partition = p;
            long start = Optional.ofNullable(cursor.get(p)).orElseGet(() -> q.from()
                    .map(f -> scanner.offsetAt(tenant, q.deadLetterTopic(), partition, f.toEpochMilli()))
                    .orElse(0L));
            scans.add(scanner.scan(tenant, q.deadLetterTopic(), p, new DeadLetterScanner.Bounds(start, q::selects,
                    q.limit(), LIST_SCAN_BUDGET, claimedSince)));
        }
        return merge(scans, q.limit());
    }

    /**
     * Publishes the selected dead letters again (see {@link Redriver}); completes with what moved.
     *
     * @throws ProblemException 404 {@code topic_not_found} for an unknown target or dead-letter topic, 403
     *                          {@code forbidden} for a target under {@code kmb.system.}
     */
    public CompletableFuture<RedriveResult> redrive(TenantId tenant, RedriveRequest request) {
        Optional<TopicRecord> dlq = deadLetterTopic(tenant, request.deadLetterTopic());
        request.targetTopic().ifPresent(t -> redriver.requireTarget(tenant, t));
        if (dlq.isEmpty()) {
            return CompletableFuture.completedFuture(new RedriveResult(0, Map.of(), false, List.of()));
        }
        return redriver.redrive(tenant, dlq.get(), request);
    }

    /** The dead-letter topic; empty for {@value #SYSTEM_DLQ_NAME} before its first use, else 404 when unknown. */
    private Optional<TopicRecord> deadLetterTopic(TenantId tenant, TopicName topic) {
        Optional<TopicRecord> t = topics.find(tenant, topic);
        if (t.isEmpty() && !topic.equals(SYSTEM_DLQ)) {
            throw new ProblemException(ProblemCode.TOPIC_NOT_FOUND, "dead-letter topic '" + topic + "' does not exist");
        }
        return t;
    }

    /** Takes the oldest heads of the partitions' scans in turn; each partition's cursor stops at what was not taken. */
    private static DeadLetterPage merge(List<DeadLetterScanner.PartitionScan> scans, int limit) {
        int[] taken = new int[scans.size()];
        List<StoredDeadLetter> page = new ArrayList<>(limit);
        while (page.size() < limit) {
            int best = -1;
            for (int i = 0; i < scans.size(); i++) {
                List<StoredDeadLetter> m = scans.get(i).matches();
                if (taken[i] < m.size() && (best < 0 || m.get(taken[i]).deadLetteredAt()
                        .isBefore(scans.get(best).matches().get(taken[best]).deadLetteredAt()))) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            page.add(scans.get(best).matches().get(taken[best]++));
        }
        Map<Integer, Long> next = new LinkedHashMap<>();
        boolean done = true;
        for (int i = 0; i < scans.size(); i++) {
            DeadLetterScanner.PartitionScan s = scans.get(i);
            boolean drained = taken[i] == s.matches().size();
            next.put(s.partition(), drained ? s.next() : s.matches().get(taken[i]).dlqOffset());
            done &= drained && s.atEnd();
        }
        return new DeadLetterPage(page, done ? Optional.empty() : Optional.of(formatCursor(next)));
    }

    /** A listing cursor: {@code <partition>:<next offset>} for every partition, comma-separated. */
    static String formatCursor(Map<Integer, Long> next) {
        StringBuilder b = new StringBuilder();
        next.forEach((p, o) -> b.append(b.isEmpty() ? "" : ",").append(p).append(':').append(o));
        return b.toString();
    }

    static Map<Integer, Long> parseCursor(String cursor) {
        Map<Integer, Long> out = new LinkedHashMap<>();
        try {
            for (String part : cursor.split(",", -1)) {
                int colon = part.indexOf(':');
                int p = Integer.parseInt(part.substring(0, colon));
                long o = Long.parseLong(part.substring(colon + 1));
                if (p < 0 || o < 0 || out.put(p, o) != null) {
                    throw new IllegalArgumentException(part);
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            throw new ProblemException(ProblemCode.BAD_REQUEST, "cursor '" + cursor
                    + "' is not one this listing gave out (<partition>:<offset>,...)");
        }
        return out;
    }
}
