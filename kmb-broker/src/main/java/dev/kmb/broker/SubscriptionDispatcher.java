package dev.kmb.broker;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one subscription's messages to its members. All state (cursors, in-flight messages, retries,
 * members) belongs to one virtual thread that works through a mailbox of commands, so acks, nacks,
 * time-outs, joins and new data never race: commands are plain lambdas run in order.
 *
 * <p>Modes: {@code shared} spreads messages over members with credit; {@code key_shared} keeps a key on
 * one member (sticky while the key has messages in flight, else by rendezvous hashing, so a member
 * joining or leaving moves only its own keys); {@code exclusive} and {@code failover} deliver to the first
 * member only, the next one taking over when it leaves. Ephemeral subscriptions ack on hand-over (at most
 * once) and keep nothing.
 */
final class SubscriptionDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionDispatcher.class);
    /** Messages waiting for redelivery above which no new ones are read (bounds memory). */
    private static final int RETRY_LIMIT = 10_000;
    private static final AtomicLong MEMBER_IDS = new AtomicLong();

    private final TenantId tenant;
    private final SubscriptionRecord config;
    private final boolean ephemeral;
    private final MessageLog log;
    private final CursorCheckpointer checkpointer; // null for ephemeral subscriptions
    private final java.time.Clock clock;
    private final BrokerMetrics metrics;
    private final int readBatch;
    private final DeadLetterSink deadLetters;

    private final LinkedBlockingQueue<Runnable> mailbox = new LinkedBlockingQueue<>();
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    private final Runnable wakeCommand = () -> wakeQueued.set(false);
    private volatile boolean stopped;
    private Thread thread;

    // ---- dispatcher-thread state
    private final LinkedHashMap<TopicPartition, PartitionCursor> cursors = new LinkedHashMap<>();
    private final List<Member> members = new ArrayList<>();
    private final Map<UUID, Tracked> tracked = new HashMap<>();
    private final PriorityQueue<Tracked> retries = new PriorityQueue<>(
            Comparator.<Tracked>comparingLong(t -> t.due).thenComparingLong(t -> t.offset));
    private final PriorityQueue<Tracked> deadlines = new PriorityQueue<>(Comparator.comparingLong(t -> t.deadline));
    private final Map<String, KeyOwner> keyOwners = new HashMap<>();
    private int nextPartition;
    private int nextMember;

    private static final class KeyOwner {
        final Member member;
        int inFlight;

        KeyOwner(Member member) {
            this.member = member;
        }
    }

    SubscriptionDispatcher(TenantId tenant, SubscriptionRecord config, boolean ephemeral, MessageLog log,
                           CursorCheckpointer checkpointer, java.time.Clock clock, BrokerMetrics metrics, int readBatch,
                           DeadLetterSink deadLetters) {
        this.deadLetters = deadLetters;
        this.tenant = tenant;
        this.config = config;
        this.ephemeral = ephemeral;
        this.log = log;
        this.checkpointer = checkpointer;
        this.clock = clock;
        this.metrics = metrics;
        this.readBatch = readBatch;
    }

    String name() {
        return config.name();
    }

    SubscriptionRecord config() {
        return config;
    }

    void start() {
        thread = Thread.ofVirtual().name("kmb-sub-" + config.name()).start(this::run);
    }

    // ================================================================ commands (any thread)

    /** New data, or credit: look again soon. Coalesced. */
    void wake() {
        if (wakeQueued.compareAndSet(false, true)) {
            mailbox.offer(wakeCommand);
        }
    }

    void creditReturned() {
        if (ephemeral) {
            wake(); // auto-ack: the queue slot is the credit
        }
    }

    private <T> CompletableFuture<T> call(java.util.function.Supplier<T> body) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (stopped) {
            f.completeExceptionally(new ProblemException(ProblemCode.SUBSCRIPTION_NOT_FOUND,
                    "subscription '" + config.name() + "' is gone"));
            return f;
        }
        mailbox.offer(() -> {
            try {
                f.complete(body.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Adds partitions (a matching topic appeared or grew), each starting at the given offset. */
    void addPartitions(TopicName topic, TopicName logTopic, int fromPartition, int toPartition, java.util.function.IntToLongFunction startOf) {
        call(() -> {
            for (int p = fromPartition; p < toPartition; p++) {
                TopicPartition tp = new TopicPartition(logTopic, p);
                cursors.computeIfAbsent(tp, k -> new PartitionCursor(k, topic, startOf.applyAsLong(k.partition()), new long[0]));
            }
            return null;
        });
    }

    /** Seeds a cursor read from the state store (at start, before members attach). */
    void restoreCursor(TopicName topic, TopicName logTopic, CursorState state) {
        TopicPartition tp = new TopicPartition(logTopic, state.partition());
        cursors.put(tp, new PartitionCursor(tp, topic, state.ackFloor(), state.ackedAbove()));
    }

    void removeTopic(TopicName logTopic) {
        call(() -> {
            cursors.keySet().removeIf(tp -> tp.topic().equals(logTopic));
            tracked.values().removeIf(t -> {
                if (t.logPartition.topic().equals(logTopic)) {
                    release(t);
                    t.state = Tracked.State.SETTLED;
                    return true;
                }
                return false;
            });
            return null;
        });
    }

    /** Attaches a member; exclusive subscriptions refuse a second one (409). */
    Member join() {
        Member m = new Member(MEMBER_IDS.incrementAndGet(), this, config.maxInFlight());
        CompletableFuture<Member> f = call(() -> {
            if (config.mode() == SubscriptionMode.EXCLUSIVE && !members.isEmpty()) {
                throw new ProblemException(ProblemCode.CONFLICT, "subscription '" + config.name()
                        + "' is exclusive and already has a consumer");
            }
            members.add(m);
            return m;
        });
        return join(f);
    }

    void leave(Member m) {
        call(() -> {
            members.remove(m);
            long now = clock.millis();
            for (Tracked t : tracked.values()) {
                if (t.member == m && t.state == Tracked.State.IN_FLIGHT) {
                    release(t);
                    t.state = Tracked.State.WAITING;
                    t.due = now; // straight back to the others, ahead of new messages
                    retries.add(t);
                }
            }
            keyOwners.values().removeIf(o -> o.member == m);
            return null;
        });
    }

    CompletableFuture<AckResult> ack(List<UUID> ids) {
        return call(() -> {
            List<UUID> unknown = new ArrayList<>();
            Map<TopicPartition, PartitionCursor> dirty = new LinkedHashMap<>();
            for (UUID id : ids) {
                Tracked t = tracked.remove(id);
                if (t == null) {
                    unknown.add(id);
                    continue;
                }
                if (t.state == Tracked.State.IN_FLIGHT) {
                    release(t);
                }
                t.state = Tracked.State.SETTLED;
                PartitionCursor c = cursors.get(t.logPartition);
                if (c != null) {
                    c.ack(t.offset);
                    dirty.put(t.logPartition, c);
                }
            }
            metrics.acked(ids.size() - unknown.size());
            return new Settle(new AckResult(ids.size() - unknown.size(), unknown), snapshot(dirty.values()));
        }).thenCompose(this::persist);
    }

    CompletableFuture<AckResult> nack(List<UUID> ids, Optional<Duration> delay) {
        return call(() -> {
            List<UUID> unknown = new ArrayList<>();
            long now = clock.millis();
            for (UUID id : ids) {
                Tracked t = tracked.get(id);
                if (t == null || t.state != Tracked.State.IN_FLIGHT) {
                    unknown.add(id);
                    continue;
                }
                retry(t, now, delay.map(Duration::toMillis), "nack");
            }
            metrics.nacked(ids.size() - unknown.size());
            return new AckResult(ids.size() - unknown.size(), unknown);
        });
    }

    /** Moves every partition's cursor to {@code startOf(partition)}; in-flight messages are forgotten. */
    CompletableFuture<Void> seek(java.util.function.ToLongFunction<TopicPartition> startOf) {
        return call(() -> {
            for (PartitionCursor c : cursors.values()) {
                c.reset(startOf.applyAsLong(c.logPartition));
            }
            tracked.values().forEach(t -> t.state = Tracked.State.SETTLED);
            tracked.clear();
            retries.clear();
            deadlines.clear();
            keyOwners.clear();
            members.forEach(m -> m.inFlight = 0);
            return new Settle(new AckResult(0, List.of()), snapshot(cursors.values()));
        }).thenCompose(this::persist).thenApply(r -> null);
    }

    CompletableFuture<List<PartitionLag>> lag() {
        return call(() -> {
            long now = clock.millis();
            Map<TopicPartition, Integer> inFlight = new HashMap<>();
            for (Tracked t : tracked.values()) {
                if (t.state == Tracked.State.IN_FLIGHT) {
                    inFlight.merge(t.logPartition, 1, Integer::sum);
                }
            }
            List<PartitionLag> out = new ArrayList<>();
            for (PartitionCursor c : cursors.values()) {
                long end = log.endOffset(c.logPartition);
                long pending = Math.max(0, end - c.floor() - c.ackedAboveCount());
                out.add(new PartitionLag(c.topic, c.logPartition.partition(), end, c.floor(), pending,
                        inFlight.getOrDefault(c.logPartition, 0), c.redelivered, oldestUnacked(c, end, now)));
            }
            return out;
        });
    }

    /** Stops the thread; members are told the session ended. */
    void stop() {
        call(() -> {
            members.forEach(Member::end);
            members.clear();
            stopped = true;
            return null;
        });
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A persisted answer: the result and the cursor states to write before answering. */
    private record Settle(AckResult result, List<CursorState> states) {
    }

    private CompletableFuture<AckResult> persist(Settle s) {
        if (checkpointer == null || s.states().isEmpty()) {
            return CompletableFuture.completedFuture(s.result());
        }
        return checkpointer.save(s.states()).thenApply(v -> s.result());
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    // ================================================================ the loop

    private void run() {
        while (!stopped) {
            try {
                Runnable cmd = mailbox.poll(waitMillis(), TimeUnit.MILLISECONDS);
                while (cmd != null) {
                    cmd.run();
                    cmd = stopped ? null : mailbox.poll();
                }
                if (!stopped) {
                    dispatch();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("subscription {}: dispatch failed; retrying", config.name(), e);
                sleepQuietly();
            }
        }
        // commands that raced with stop still get their answer, so no caller waits forever
        for (Runnable cmd = mailbox.poll(); cmd != null; cmd = mailbox.poll()) {
            cmd.run();
        }
    }

    private long waitMillis() {
        long now = clock.millis();
        long next = now + 1000;
        if (!deadlines.isEmpty()) {
            next = Math.min(next, deadlines.peek().deadline);
        }
        if (!retries.isEmpty()) {
            next = Math.min(next, retries.peek().due);
        }
        return Math.max(1, next - now);
    }

    private void dispatch() {
        long now = clock.millis();
        expire(now);
        if (members.isEmpty()) {
            return;
        }
        deliverRetries(now);
        deliverNew(now);
    }

    private void expire(long now) {
        while (!deadlines.isEmpty() && deadlines.peek().deadline <= now) {
            Tracked t = deadlines.poll();
            if (t.state == Tracked.State.IN_FLIGHT && t.deadline <= now) {
                retry(t, now, Optional.empty(), "ack_timeout");
            }
        }
    }

    /** Takes a message back from its member and schedules it again, or dead-letters it after max deliveries. */
    private void retry(Tracked t, long now, Optional<Long> delayMillis, String outcome) {
        t.history.add(new DeadLetter.DeliveryAttempt(java.time.Instant.ofEpochMilli(now),
                t.member == null ? "" : t.member.consumer(), outcome));
        release(t);
        if (t.attempt >= config.maxDeliveries()) {
            deadLetter(t, DeadLetter.Reason.MAX_DELIVERIES);
            return;
        }
        List<Duration> backoff = config.backoff();
        long wait = delayMillis.orElseGet(() -> backoff.isEmpty() ? 0
                : backoff.get(Math.min(t.attempt - 1, backoff.size() - 1)).toMillis());
        t.state = Tracked.State.WAITING;
        t.due = now + wait;
        retries.add(t);
    }

    /**
     * Hands a message to the dead-letter sink and acks it once the sink has stored it. Until then it stays tracked
     * (not delivered again); when the sink fails, the message waits one backoff step and is offered to it again.
     */
    private void deadLetter(Tracked t, DeadLetter.Reason reason) {
        t.state = Tracked.State.DEAD_LETTERING;
        PartitionCursor c = cursors.get(t.logPartition);
        TopicName topic = c == null ? t.logPartition.topic() : c.topic;
        DeadLetter letter = new DeadLetter(tenant, config.name(), config.deadLetterTopic(), topic, t.logPartition.partition(),
                t.offset, t.id, t.stored, reason, t.history);
        deadLetters.deadLetter(letter).whenComplete((v, error) -> mailbox.offer(() -> {
            if (t.state != Tracked.State.DEAD_LETTERING) {
                return; // a seek or topic removal settled it meanwhile
            }
            if (error != null) {
                LOG.warn("subscription {}: dead-lettering {} failed; trying again", config.name(), t.id, error);
                t.state = Tracked.State.WAITING_DEAD_LETTER;
                t.due = clock.millis() + 1000;
                retries.add(t);
                return;
            }
            tracked.remove(t.id);
            t.state = Tracked.State.SETTLED;
            PartitionCursor pc = cursors.get(t.logPartition);
            if (pc != null && pc.ack(t.offset) && checkpointer != null) {
                checkpointer.save(snapshot(List.of(pc)));
            }
        }));
    }

    /** Undoes the member bookkeeping of an in-flight message. */
    private void release(Tracked t) {
        if (t.state != Tracked.State.IN_FLIGHT || t.member == null) {
            return;
        }
        t.member.inFlight--;
        if (t.key != null) {
            KeyOwner o = keyOwners.get(t.key);
            if (o != null && o.member == t.member && --o.inFlight == 0) {
                keyOwners.remove(t.key);
            }
        }
        t.member = null;
    }

    private void deliverRetries(long now) {
        while (!retries.isEmpty() && retries.peek().due <= now) {
            Tracked t = retries.peek();
            if (t.state == Tracked.State.WAITING_DEAD_LETTER) {
                retries.poll();
                deadLetter(t, DeadLetter.Reason.MAX_DELIVERIES);
                continue;
            }
            if (t.state != Tracked.State.WAITING) {
                retries.poll();
                continue;
            }
            Member m = chooseMember(t.key);
            if (m == null) {
                return;
            }
            retries.poll();
            hand(t, m, now);
        }
    }

    private void deliverNew(long now) {
        if (cursors.isEmpty()) {
            return;
        }
        List<PartitionCursor> parts = new ArrayList<>(cursors.values());
        boolean progress = true;
        while (progress && retries.size() < RETRY_LIMIT) {
            progress = false;
            for (int i = 0; i < parts.size(); i++) {
                PartitionCursor c = parts.get((nextPartition + i) % parts.size());
                LogEntry e = peek(c);
                if (e == null) {
                    continue;
                }
                // only key_shared routes by key; other modes skip decoding it and the key-owner bookkeeping
                String key = config.mode() == SubscriptionMode.KEY_SHARED
                        ? e.key().map(k -> new String(k, StandardCharsets.UTF_8)).orElse(null) : null;
                Member m = chooseMember(key);
                if (m == null) {
                    if (config.mode() != SubscriptionMode.KEY_SHARED) {
                        return; // nobody has credit
                    }
                    continue; // this key's member is full; other partitions may still move
                }
                c.buffer().poll();
                c.deliveredUpTo = e.offset() + 1;
                if (ephemeral) {
                    c.ack(e.offset());
                    m.offer(new Delivery(idOf(e), "", c.topic, c.logPartition.partition(), e.offset(), 1,
                            vectorCursor(), Delivery.splice(e.value(), "", c.logPartition.partition(), e.offset(), 1)));
                    metrics.delivered(1);
                } else {
                    Tracked t = new Tracked(idOf(e), c.logPartition, e.offset(), key, e.value(), e.timestamp());
                    hand(t, m, now);
                }
                progress = true;
            }
            nextPartition++;
        }
    }

    private void hand(Tracked t, Member m, long now) {
        t.attempt++;
        t.state = Tracked.State.IN_FLIGHT;
        t.member = m;
        t.deadline = now + config.ackTimeout().toMillis();
        m.inFlight++;
        if (t.key != null) {
            keyOwners.computeIfAbsent(t.key, k -> new KeyOwner(m)).inFlight++;
        }
        tracked.put(t.id, t);
        deadlines.add(t);
        PartitionCursor c = cursors.get(t.logPartition);
        if (t.attempt > 1 && c != null) {
            c.redelivered++;
        }
        String cursor = c == null ? "" : c.topic.value() + ":" + t.logPartition.partition() + ":" + t.offset;
        m.offer(new Delivery(t.id, config.name(), c == null ? t.logPartition.topic() : c.topic, t.logPartition.partition(),
                t.offset, t.attempt, cursor, Delivery.splice(t.stored, config.name(), t.logPartition.partition(), t.offset, t.attempt)));
        metrics.delivered(t.attempt);
    }

    /** The member that should get a message with this key now, or null when none has room. */
    private Member chooseMember(String key) {
        boolean autoAck = ephemeral;
        switch (config.mode()) {
            case EXCLUSIVE, FAILOVER -> {
                Member first = members.get(0);
                return first.hasCredit(autoAck) ? first : null;
            }
            case KEY_SHARED -> {
                if (key != null) {
                    KeyOwner owner = keyOwners.get(key);
                    Member m = owner != null ? owner.member : rendezvous(key);
                    return m.hasCredit(autoAck) ? m : null;
                }
                return anyWithCredit(autoAck);
            }
            default -> {
                return anyWithCredit(autoAck);
            }
        }
    }

    private Member anyWithCredit(boolean autoAck) {
        int n = members.size();
        for (int i = 0; i < n; i++) {
            Member m = members.get((nextMember + i) % n);
            if (m.hasCredit(autoAck)) {
                nextMember = (nextMember + i + 1) % n;
                return m;
            }
        }
        return null;
    }

    /** Highest-random-weight hashing: a member's leaving moves only the keys it had. */
    private Member rendezvous(String key) {
        Member best = members.get(0);
        long bestScore = Long.MIN_VALUE;
        int keyHash = key.hashCode();
        for (Member m : members) {
            long score = mix(keyHash * 31L + m.id());
            if (score > bestScore) {
                bestScore = score;
                best = m;
            }
        }
        return best;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The next unacked message of a partition, reading ahead from the log when the buffer is empty. */
    private LogEntry peek(PartitionCursor c) {
        while (true) {
            LogEntry head = c.buffer().peek();
            if (head != null) {
                if (c.isAcked(head.offset())) {
                    c.buffer().poll();
                    continue;
                }
                return head;
            }
            if (c.nextRead() >= log.endOffset(c.logPartition)) {
                return null;
            }
            ReadResult r = log.read(c.logPartition, c.nextRead(), readBatch, 1 << 20);
            if (r instanceof ReadResult.OutOfRange o) {
                c.skipTo(o.startOffset()); // retention removed what we had not read yet
                if (c.nextRead() >= o.endOffset()) {
                    return null;
                }
                continue;
            }
            ReadResult.Records records = (ReadResult.Records) r;
            if (records.entries().isEmpty()) {
                return null;
            }
            c.buffered(records.entries(), records.nextOffset());
        }
    }

    private static UUID idOf(LogEntry e) {
        return e.header(Publisher.ID_HEADER).flatMap(Publisher::uuidOf).orElseGet(() -> new UUID(0, e.offset()));
    }

    /** Every partition's next offset: enough to resume an ephemeral subscription without loss. */
    private String vectorCursor() {
        StringBuilder b = new StringBuilder();
        for (PartitionCursor c : cursors.values()) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(c.topic.value()).append(':').append(c.logPartition.partition()).append(':').append(c.deliveredUpTo);
        }
        return b.toString();
    }

    private List<CursorState> snapshot(Collection<PartitionCursor> dirty) {
        if (ephemeral) {
            return List.of();
        }
        List<CursorState> out = new ArrayList<>(dirty.size());
        for (PartitionCursor c : dirty) {
            out.add(new CursorState(tenant, config.name(), c.topic, c.logPartition.partition(), c.floor(), c.ackedAbove()));
        }
        return out;
    }

    private Optional<Duration> oldestUnacked(PartitionCursor c, long end, long now) {
        if (c.floor() >= end) {
            return Optional.empty();
        }
        ReadResult r = log.read(c.logPartition, c.floor(), 1, 1);
        if (r instanceof ReadResult.Records rec && !rec.entries().isEmpty()) {
            return Optional.of(Duration.ofMillis(Math.max(0, now - rec.entries().get(0).timestamp())));
        }
        return Optional.empty();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
