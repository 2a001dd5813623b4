package dev.kmb.broker;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.AckedRanges;
import dev.kmb.broker.spi.Ordering;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
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
    /** Messages held back (in backoff, parked, ready ahead of the reader) above which no new ones are read. */
    private static final int HELD_LIMIT = 10_000;
    /** Delayed messages held (without their bytes) above which no new ones are read. */
    private static final int SCHEDULED_LIMIT = 1_000_000;
    /** Records the priority scan reads per pass before it lets commands in. */
    private static final int SCAN_BUDGET = 8_192;
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
    /** Cursors changed since our last snapshot went to the checkpointer, and the future of those changes. */
    private final Set<PartitionCursor> unsaved = new LinkedHashSet<>();
    private CompletableFuture<Void> unsavedWritten;
    /** A snapshot of ours waits in the checkpointer, not yet taken for a transaction. */
    private boolean snapshotQueued;
    /** Cluster mode: the seek generation the ack state held here belongs to (stamped on every snapshot). */
    private volatile long seekGeneration;
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    private final Runnable wakeCommand = () -> wakeQueued.set(false);
    private volatile boolean stopped;
    private Thread thread;

    // ---- dispatcher-thread state
    private final LinkedHashMap<TopicPartition, PartitionCursor> cursors = new LinkedHashMap<>();
    private final List<Member> members = new ArrayList<>();
    private final Map<UUID, Tracked> tracked = new HashMap<>();
    /** Backoffs, delayed messages and dead letters to offer again, by due time. */
    private final PriorityQueue<Timed> timers = new PriorityQueue<>(
            Comparator.<Timed>comparingLong(Timed::at).thenComparingLong(e -> e.t().offset));
    /** In-flight messages by ack deadline. */
    private final DeadlineList deadlines = new DeadlineList();
    /** Messages that may go now ahead of the partitions' readers: higher priority first, then first come. */
    private final PriorityQueue<Tracked> ready = new PriorityQueue<>(
            Comparator.<Tracked>comparingInt(t -> -t.priority()).thenComparingLong(t -> t.seq));
    private final OrderBlocks blocks = new OrderBlocks();
    private long seq;
    private int held; // in timers (backoff) + parked + ready
    private int scheduledHeld;
    private final Map<String, KeyOwner> keyOwners = new HashMap<>();
    private int nextPartition;
    private int nextMember;

    /**
     * A queue entry: a message and the time it was queued for. The time is kept apart from the message's own fields,
     * which change while stale entries of it may still sit in a heap; an entry whose time no longer matches is stale.
     */
    private record Timed(long at, Tracked t) {
        boolean isCurrent(long current) {
            return at == current;
        }
    }

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

    boolean isEphemeral() {
        return ephemeral;
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
                cursors.computeIfAbsent(tp, k -> new PartitionCursor(k, topic, startOf.applyAsLong(k.partition()), AckedRanges.NONE));
            }
            return null;
        });
    }

    /** Seeds a cursor read from the state store (at start, before members attach). */
    void restoreCursor(TopicName topic, TopicName logTopic, CursorState state) {
        TopicPartition tp = new TopicPartition(logTopic, state.partition());
        cursors.put(tp, new PartitionCursor(tp, topic, state.ackFloor(), state.acked(), state.retries()));
    }

    /** Cluster mode: this node now holds these partitions; each resumes from its stored cursor. */
    CompletableFuture<Void> assign(List<Map.Entry<TopicName, CursorState>> states) {
        return call(() -> {
            for (Map.Entry<TopicName, CursorState> e : states) {
                restoreCursor(e.getValue().topic(), e.getKey(), e.getValue());
                seekGeneration = Math.max(seekGeneration, e.getValue().seekGeneration());
            }
            return null;
        });
    }

    /**
     * Cluster mode: this node no longer holds these partitions. Their ack state is written (the future completes once it
     * is), their messages in flight here are forgotten: the next holder delivers them again.
     */
    CompletableFuture<Void> revoke(Collection<TopicPartition> partitions) {
        return call(() -> {
            List<PartitionCursor> gone = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                PartitionCursor c = cursors.remove(tp);
                if (c != null) {
                    gone.add(c);
                }
            }
            forgetWhere(t -> partitions.contains(t.logPartition));
            return persist(new AckResult(0, List.of()), gone);
        }).thenCompose(f -> f).thenApply(r -> null);
    }

    /** Each partition's ack floor: every offset below it is settled. */
    CompletableFuture<Map<TopicPartition, Long>> floors() {
        return call(() -> {
            Map<TopicPartition, Long> out = new HashMap<>();
            cursors.forEach((tp, c) -> out.put(tp, c.floor()));
            return out;
        });
    }

    /** The log partitions this dispatcher reads now. */
    CompletableFuture<List<TopicPartition>> held() {
        return call(() -> List.copyOf(cursors.keySet()));
    }

    void removeTopic(TopicName logTopic) {
        call(() -> {
            cursors.keySet().removeIf(tp -> tp.topic().equals(logTopic));
            forgetWhere(t -> t.logPartition.topic().equals(logTopic));
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
        return Futures.join(f);
    }

    void leave(Member m) {
        call(() -> {
            members.remove(m);
            Map<TopicPartition, PartitionCursor> dirty = new LinkedHashMap<>();
            for (Tracked t : List.copyOf(tracked.values())) {
                if (t.member == m && t.state == Tracked.State.IN_FLIGHT) {
                    // counts as an attempt: a message that crashes its consumers must reach the dead-letter topic
                    retry(t, clock.millis(), Optional.of(0L), "consumer_left");
                    PartitionCursor c = cursors.get(t.logPartition);
                    if (c != null) {
                        dirty.put(t.logPartition, c);
                    }
                }
            }
            if (checkpointer != null && !dirty.isEmpty()) {
                checkpoint(dirty.values()); // the attempt counts survive a restart
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
                Tracked t = tracked.get(id);
                if (t == null || t.attempt == 0 || t.state == Tracked.State.DEAD_LETTERING
                        || t.state == Tracked.State.WAITING_DEAD_LETTER || t.state == Tracked.State.SETTLED) {
                    unknown.add(id); // never delivered, or already given up on
                    continue;
                }
                // in flight, or a late ack of a message in backoff or about to go again: the work was done
                tracked.remove(id);
                if (t.state == Tracked.State.WAITING || t.state == Tracked.State.READY || t.state == Tracked.State.PARKED) {
                    held--;
                }
                release(t);
                t.state = Tracked.State.SETTLED;
                releaseParked(blocks.forget(t));
                PartitionCursor c = cursors.get(t.logPartition);
                if (c != null) {
                    c.ack(t.offset);
                    dirty.put(t.logPartition, c);
                }
            }
            metrics.acked(ids.size() - unknown.size());
            return persist(new AckResult(ids.size() - unknown.size(), unknown), dirty.values());
        }).thenCompose(f -> f);
    }

    CompletableFuture<AckResult> nack(List<UUID> ids, Optional<Duration> delay, Optional<String> reason) {
        return settleFailed(ids, (t, now) -> retry(t, now, delay.map(Duration::toMillis), reason.orElse("nack")),
                BrokerMetrics::nacked);
    }

    /** Rejects messages now: each goes to the dead-letter topic with reason {@code rejected}, whatever its attempts. */
    CompletableFuture<AckResult> term(List<UUID> ids, Optional<String> reason) {
        return settleFailed(ids, (t, now) -> {
            t.history.add(new dev.kmb.broker.spi.PendingRetry.Attempt(now, consumerOf(t), reason.orElse("term")));
            release(t);
            deadLetter(t, DeadLetter.Reason.REJECTED);
        }, BrokerMetrics::termed);
    }

    /** Applies a failure to each in-flight message and answers once the retry state is stored. */
    private CompletableFuture<AckResult> settleFailed(List<UUID> ids, java.util.function.ObjLongConsumer<Tracked> failure,
                                                      java.util.function.ObjIntConsumer<BrokerMetrics> count) {
        return call(() -> {
            List<UUID> unknown = new ArrayList<>();
            Map<TopicPartition, PartitionCursor> dirty = new LinkedHashMap<>();
            long now = clock.millis();
            for (UUID id : ids) {
                Tracked t = tracked.get(id);
                if (t == null || t.state != Tracked.State.IN_FLIGHT) {
                    unknown.add(id);
                    continue;
                }
                failure.accept(t, now);
                PartitionCursor c = cursors.get(t.logPartition);
                if (c != null) {
                    dirty.put(t.logPartition, c);
                }
            }
            count.accept(metrics, ids.size() - unknown.size());
            return persist(new AckResult(ids.size() - unknown.size(), unknown), dirty.values());
        }).thenCompose(f -> f);
    }

    /** Moves every partition's cursor to {@code startOf(partition)}; in-flight messages are forgotten. */
    CompletableFuture<Void> seek(java.util.function.ToLongFunction<TopicPartition> startOf) {
        return seek(-1, startOf);
    }

    /** The seek generation of the ack state held here (cluster mode; 0 before any seek). */
    long seekGeneration() {
        return seekGeneration;
    }

    /**
     * Cluster seek: as {@link #seek(java.util.function.ToLongFunction)}, and from now on the ack state this node writes
     * belongs to seek generation {@code generation} (ignored when -1 or not newer than the current one).
     */
    CompletableFuture<Void> seek(long generation, java.util.function.ToLongFunction<TopicPartition> startOf) {
        return call(() -> {
            seekGeneration = Math.max(seekGeneration, generation);
            for (PartitionCursor c : cursors.values()) {
                c.reset(startOf.applyAsLong(c.logPartition));
            }
            tracked.values().forEach(t -> t.state = Tracked.State.SETTLED);
            tracked.clear();
            timers.clear();
            deadlines.clear();
            ready.clear();
            blocks.clear();
            held = 0;
            scheduledHeld = 0;
            keyOwners.clear();
            members.forEach(m -> m.inFlight = 0);
            return persist(new AckResult(0, List.of()), cursors.values());
        }).thenCompose(f -> f).thenApply(r -> null);
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
                        inFlight.getOrDefault(c.logPartition, 0), c.redelivered, oldestUnacked(c, end, now),
                        c.scheduled));
            }
            return out;
        });
    }

    /** Runs timers and delivery now and answers after (tests that move a clock wait on this). */
    CompletableFuture<Void> tick() {
        return call(() -> {
            dispatch();
            return null;
        });
    }

    /** Stops the thread; members are told the session ended. */
    void stop() {
        call(() -> {
            members.forEach(Member::end);
            members.clear();
            stopped = true;
            if (unsavedWritten != null) {
                saveSnapshot(); // no snapshotTaken comes after the loop ends
            }
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

    /** Answers {@code result} once the ack state of {@code dirty} as it is now (or later) is written. */
    private CompletableFuture<AckResult> persist(AckResult result, Collection<PartitionCursor> dirty) {
        return checkpoint(dirty).thenApply(v -> result);
    }

    /**
     * Marks cursors changed and answers when a snapshot taken after this call is written. Snapshots are taken once per
     * checkpointer transaction, not once per settle: while one of ours waits to be written, changes pile up in
     * {@code unsaved} and go in the snapshot taken when the checkpointer picks that one up ({@link #snapshotTaken}).
     * With a message in backoff a snapshot holds every acked offset above it and every pending retry, and taking one
     * per ack frame was a fifth of the bus's CPU with 1 % of messages nacked. Dispatcher thread only.
     */
    private CompletableFuture<Void> checkpoint(Collection<PartitionCursor> dirty) {
        if (checkpointer == null || ephemeral || dirty.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        unsaved.addAll(dirty);
        if (unsavedWritten == null) {
            unsavedWritten = new CompletableFuture<>();
        }
        CompletableFuture<Void> written = unsavedWritten;
        if (!snapshotQueued || stopped) {
            saveSnapshot();
        }
        return written;
    }

    /** Hands the checkpointer a snapshot of {@code unsaved}; states reach it in the order they were taken. */
    private void saveSnapshot() {
        List<CursorState> states = snapshot(unsaved);
        CompletableFuture<Void> written = unsavedWritten;
        unsaved.clear();
        unsavedWritten = null;
        snapshotQueued = true;
        checkpointer.save(states, () -> mailbox.offer(this::snapshotTaken)).whenComplete((v, error) -> {
            if (error == null) {
                written.complete(null);
            } else {
                written.completeExceptionally(error);
            }
        });
    }

    /** The checkpointer took our last snapshot for a transaction: the changes made since go in the next one. */
    private void snapshotTaken() {
        snapshotQueued = false;
        if (unsavedWritten != null) {
            saveSnapshot();
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
            next = Math.min(next, deadlines.first().deadline);
        }
        if (!timers.isEmpty()) {
            next = Math.min(next, timers.peek().at());
        }
        return Math.max(1, next - now);
    }

    private void dispatch() {
        long now = clock.millis();
        expireDeadlines(now);
        fireTimers(now);
        if (members.isEmpty()) {
            return;
        }
        scanAhead(); // first: what it finds outranks what the readers have
        deliver(now);
    }

    private void expireDeadlines(long now) {
        while (!deadlines.isEmpty() && deadlines.first().deadline <= now) {
            Tracked t = deadlines.first();
            deadlines.remove(t);
            if (t.state == Tracked.State.IN_FLIGHT) {
                retry(t, now, Optional.empty(), "ack_timeout");
                PartitionCursor c = cursors.get(t.logPartition);
                if (c != null && checkpointer != null) {
                    checkpoint(List.of(c)); // keep the attempt count across a restart
                }
            }
        }
    }

    /** Moves what came due (backoffs, delayed messages, dead letters to offer again) on. */
    private void fireTimers(long now) {
        while (!timers.isEmpty() && timers.peek().at() <= now) {
            Timed entry = timers.poll();
            Tracked t = entry.t();
            if (!entry.isCurrent(t.due)) {
                continue; // re-queued for another time since
            }
            switch (t.state) {
                case WAITING -> {
                    held--;
                    if (strict() && t.orderKey != null && !blocks.due(t)) {
                        held++; // parked behind an earlier message of its key
                        continue;
                    }
                    makeReady(t);
                }
                case SCHEDULED -> {
                    scheduledHeld--;
                    PartitionCursor c = cursors.get(t.logPartition);
                    if (c != null) {
                        c.scheduled--;
                    }
                    if (load(t)) {
                        admit(t, now, true);
                    }
                }
                case WAITING_DEAD_LETTER -> deadLetter(t, t.deadLetterReason);
                default -> {
                    // settled meanwhile
                }
            }
        }
    }

    /** Hands out messages while members have credit: the ready queue and the partitions' heads, by priority. */
    private void deliver(long now) {
        List<Tracked> deferred = null; // key_shared: ready messages whose member is full
        int partitions = cursors.size();
        PartitionCursor[] parts = partitions == 0 ? new PartitionCursor[0] : cursors.values().toArray(new PartitionCursor[0]);
        boolean[] stuck = new boolean[parts.length];
        while (true) {
            int bestPart = -1;
            int bestPriority = -1;
            if (held < HELD_LIMIT && scheduledHeld < SCHEDULED_LIMIT) {
                for (int i = 0; i < parts.length; i++) {
                    int p = (nextPartition + i) % parts.length;
                    if (stuck[p]) {
                        continue;
                    }
                    LogEntry e = peek(parts[p]);
                    if (e == null) {
                        stuck[p] = true;
                        continue;
                    }
                    int priority = DeliveryControl.of(e).priority();
                    if (priority > bestPriority) {
                        bestPriority = priority;
                        bestPart = p;
                    }
                }
            }
            Tracked r = ready.peek(); // after the peeks: a read may have taken high-priority messages ahead
            if (r == null && bestPart < 0) {
                break;
            }
            if (r != null && (bestPart < 0 || r.priority() >= bestPriority)) {
                ready.poll();
                if (r.state != Tracked.State.READY) {
                    continue; // settled while waiting
                }
                held--;
                if (expired(r, now)) {
                    expire(r);
                    continue;
                }
                Member m = chooseMember(r.key);
                if (m == null) {
                    if (config.mode() != SubscriptionMode.KEY_SHARED) {
                        ready.add(r);
                        held++;
                        break; // nobody has credit
                    }
                    if (deferred == null) {
                        deferred = new ArrayList<>();
                    }
                    deferred.add(r);
                    continue;
                }
                hand(r, m, now);
                continue;
            }
            PartitionCursor c = parts[bestPart];
            LogEntry e = c.buffer().peek();
            String key = config.mode() == SubscriptionMode.KEY_SHARED || strict() ? keyOf(e) : null;
            DeliveryControl control = DeliveryControl.of(e);
            boolean mayWait = control.deliverAt() > now || control.expiresAt() <= now
                    || (strict() && blocks.isBlocked(orderKey(c, key))) || (!c.restored.isEmpty() && c.restored.containsKey(e.offset()));
            Member m = null;
            if (!mayWait) {
                m = chooseMember(config.mode() == SubscriptionMode.KEY_SHARED ? key : null);
                if (m == null) {
                    if (config.mode() != SubscriptionMode.KEY_SHARED) {
                        break; // nobody has credit
                    }
                    stuck[bestPart] = true; // this key's member is full; other partitions may still move
                    continue;
                }
            }
            c.buffer().poll();
            c.deliveredUpTo = Math.max(c.deliveredUpTo, e.offset() + 1);
            Tracked t = track(c, e, key, control);
            if (mayWait) {
                admit(t, now, false);
            } else {
                hand(t, m, now);
            }
            nextPartition++;
        }
        if (deferred != null) {
            for (Tracked t : deferred) {
                ready.add(t);
                held++;
            }
        }
    }

    private Tracked track(PartitionCursor c, LogEntry e, String key, DeliveryControl control) {
        String routeKey = config.mode() == SubscriptionMode.KEY_SHARED ? key : null;
        Tracked t = new Tracked(idOf(e), c.logPartition, e.offset(), routeKey, orderKey(c, key), e.value(),
                e.timestamp(), control);
        dev.kmb.broker.spi.PendingRetry restored = c.restored.isEmpty() ? null : c.restored.remove(e.offset());
        if (restored != null) {
            t.attempt = restored.attempts();
            t.history.addAll(restored.history());
            t.due = restored.dueMillis();
            c.retrying.put(t.offset, t);
        }
        return t;
    }

    /**
     * A message read from the log (or come due) that may not go at once: schedules it, drops it when expired, parks
     * it behind its key, restores its backoff, or puts it in the ready queue.
     */
    private void admit(Tracked t, long now, boolean fromTimer) {
        if (expired(t, now)) {
            expire(t);
            return;
        }
        if (!fromTimer && t.control.deliverAt() > now) {
            t.state = Tracked.State.SCHEDULED;
            t.due = t.control.deliverAt();
            t.stored = null; // read again when due: a million delayed messages must not hold their bodies
            timers.add(new Timed(t.due, t));
            scheduledHeld++;
            PartitionCursor c = cursors.get(t.logPartition);
            if (c != null) {
                c.scheduled++;
            }
            return;
        }
        if (t.attempt > 0 && t.due > now) {
            waitFor(t); // a backoff that was running when the bus stopped
            return;
        }
        if (t.attempt >= config.maxDeliveries() && !ephemeral) {
            deadLetter(t, DeadLetter.Reason.MAX_DELIVERIES); // given up on before the bus stopped
            return;
        }
        if (strict() && blocks.isBlocked(t.orderKey)) {
            blocks.park(t);
            held++;
            return;
        }
        makeReady(t);
    }

    private void makeReady(Tracked t) {
        t.state = Tracked.State.READY;
        t.seq = seq++;
        ready.add(t);
        held++;
    }

    private void waitFor(Tracked t) {
        t.state = Tracked.State.WAITING;
        timers.add(new Timed(t.due, t));
        held++;
        if (strict() && t.orderKey != null) {
            blocks.waiting(t);
        }
    }

    private boolean expired(Tracked t, long now) {
        return t.control.expiresAt() <= now;
    }

    /** A message whose ttl ran out: counted, and dead-lettered when the subscription asks, else settled. */
    private void expire(Tracked t) {
        metrics.expired(1);
        if (config.deadLetterExpired() && !ephemeral) {
            if (load(t)) {
                deadLetter(t, DeadLetter.Reason.EXPIRED);
            }
            return;
        }
        settle(t);
    }

    /** Reads a message's bytes again (dropped while it was scheduled); false when retention removed it. */
    private boolean load(Tracked t) {
        if (t.stored != null) {
            return true;
        }
        ReadResult r = log.read(t.logPartition, t.offset, 1, 1);
        if (r instanceof ReadResult.Records rec && !rec.entries().isEmpty() && rec.entries().get(0).offset() == t.offset) {
            t.stored = rec.entries().get(0).value();
            return true;
        }
        settle(t); // gone from the log (retention): nothing left to deliver
        return false;
    }

    /** Marks a message done without a delivery (expired, dead-lettered, gone) and moves the ack floor. */
    private void settle(Tracked t) {
        tracked.remove(t.id);
        release(t);
        t.state = Tracked.State.SETTLED;
        releaseParked(blocks.forget(t));
        PartitionCursor c = cursors.get(t.logPartition);
        if (c != null) {
            boolean hadRetry = c.retrying.containsKey(t.offset);
            if ((c.ack(t.offset) || hadRetry) && checkpointer != null) {
                checkpoint(List.of(c)); // a stored retry state must not outlive the message
            }
        }
    }

    private void releaseParked(Tracked next) {
        if (next != null) {
            held--;
            next.state = Tracked.State.READY;
            next.seq = seq++;
            ready.add(next);
            held++;
        }
    }

    /** Takes a message back from its member and schedules it again, or dead-letters it after max deliveries. */
    private void retry(Tracked t, long now, Optional<Long> delayMillis, String outcome) {
        t.history.add(new dev.kmb.broker.spi.PendingRetry.Attempt(now, consumerOf(t), outcome));
        release(t);
        PartitionCursor c = cursors.get(t.logPartition);
        if (c != null) {
            c.retrying.put(t.offset, t);
        }
        if (t.attempt >= config.maxDeliveries()) {
            deadLetter(t, DeadLetter.Reason.MAX_DELIVERIES);
            return;
        }
        List<Duration> backoff = config.backoff();
        long wait = delayMillis.orElseGet(() -> backoff.isEmpty() ? 0
                : backoff.get(Math.min(t.attempt - 1, backoff.size() - 1)).toMillis());
        t.due = now + wait;
        waitFor(t);
    }

    private static String consumerOf(Tracked t) {
        return t.member == null ? "" : t.member.consumer();
    }

    /**
     * Hands a message to the dead-letter sink and acks it once the sink has stored it. Until then it stays tracked
     * (not delivered again); when the sink fails, it is offered to the sink again a second later.
     */
    private void deadLetter(Tracked t, DeadLetter.Reason reason) {
        t.state = Tracked.State.DEAD_LETTERING;
        t.deadLetterReason = reason;
        tracked.put(t.id, t);
        releaseParked(blocks.forget(t));
        PartitionCursor c = cursors.get(t.logPartition);
        TopicName topic = c == null ? t.logPartition.topic() : c.topic;
        List<DeadLetter.DeliveryAttempt> attempts = t.history.stream().map(a -> new DeadLetter.DeliveryAttempt(
                java.time.Instant.ofEpochMilli(a.atMillis()), a.consumer(), a.outcome())).toList();
        DeadLetter letter = new DeadLetter(tenant, config.name(), config.deadLetterTopic(), topic, t.logPartition.partition(),
                t.offset, t.id, t.stored, reason, attempts);
        deadLetters.deadLetter(letter).whenComplete((v, error) -> mailbox.offer(() -> {
            if (t.state != Tracked.State.DEAD_LETTERING) {
                return; // a seek or topic removal settled it meanwhile
            }
            if (error != null) {
                LOG.warn("subscription {}: dead-lettering {} failed; trying again", config.name(), t.id, error);
                t.state = Tracked.State.WAITING_DEAD_LETTER;
                t.due = clock.millis() + 1000;
                timers.add(new Timed(t.due, t));
                return;
            }
            metrics.deadLettered(reason);
            settle(t);
        }));
    }

    /** Undoes the member bookkeeping of an in-flight message. */
    private void release(Tracked t) {
        deadlines.remove(t); // whatever comes next, its ack deadline is gone
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

    private void hand(Tracked t, Member m, long now) {
        t.attempt++;
        PartitionCursor c = cursors.get(t.logPartition);
        if (t.attempt > 1 && c != null) {
            c.redelivered++;
        }
        if (strict() && t.orderKey != null) {
            releaseParked(blocks.handed(t));
        }
        if (ephemeral) {
            t.state = Tracked.State.SETTLED;
            if (c != null) {
                c.ack(t.offset); // at most once: handed over is done
            }
            m.offer(new Delivery(t.id, "", c == null ? t.logPartition.topic() : c.topic, t.logPartition.partition(),
                    t.offset, 1, vectorCursor(), Delivery.splice(t.stored, "", t.logPartition.partition(), t.offset, 1)));
            metrics.delivered(1);
            return;
        }
        t.state = Tracked.State.IN_FLIGHT;
        t.member = m;
        t.deadline = now + config.ackTimeout().toMillis();
        m.inFlight++;
        if (t.key != null) {
            keyOwners.computeIfAbsent(t.key, k -> new KeyOwner(m)).inFlight++;
        }
        tracked.put(t.id, t);
        deadlines.add(t);
        String cursor = c == null ? "" : c.topic.value() + ":" + t.logPartition.partition() + ":" + t.offset;
        m.offer(new Delivery(t.id, config.name(), c == null ? t.logPartition.topic() : c.topic, t.logPartition.partition(),
                t.offset, t.attempt, cursor, Delivery.splice(t.stored, config.name(), t.logPartition.partition(), t.offset, t.attempt)));
        metrics.delivered(t.attempt);
    }

    private boolean strict() {
        return config.ordering() == Ordering.STRICT && config.mode() != SubscriptionMode.SHARED;
    }

    /** Strict ordering unit: the partition and the key; keyless messages keep partition order except in key_shared. */
    private String orderKey(PartitionCursor c, String key) {
        if (!strict()) {
            return null;
        }
        if (key == null) {
            return config.mode() == SubscriptionMode.KEY_SHARED ? null : c.logPartition.partition() + "/" + c.topic.value();
        }
        return c.logPartition.partition() + "/" + c.topic.value() + "/" + key;
    }

    private static String keyOf(LogEntry e) {
        return e.key().map(k -> new String(k, StandardCharsets.UTF_8)).orElse(null);
    }

    // ================================================================ priority scan

    /**
     * Looks past the readers for high and critical messages and takes them ahead into the ready queue, so they do
     * not wait behind a backlog. Each record is scanned once; in strict ordering a message never jumps an earlier
     * one of its key.
     */
    private void scanAhead() {
        if (held >= HELD_LIMIT) {
            return;
        }
        int budget = SCAN_BUDGET;
        for (PartitionCursor c : cursors.values()) {
            long end = log.endOffset(c.logPartition);
            if (c.buffer().isEmpty() && end - c.nextRead() <= readBatch) {
                continue; // the reader's next read takes all of it, high priority first: no need to look twice
            }
            c.scanPos = Math.max(c.scanPos, c.nextRead());
            while (c.scanPos < end && budget > 0 && held < HELD_LIMIT) {
                ReadResult r = log.read(c.logPartition, c.scanPos, Math.min(budget, readBatch), 1 << 20);
                if (!(r instanceof ReadResult.Records records) || records.entries().isEmpty()) {
                    if (r instanceof ReadResult.Records skipped && skipped.nextOffset() > c.scanPos) {
                        c.scanPos = skipped.nextOffset(); // only transaction markers or aborted records there
                        continue;
                    }
                    break;
                }
                for (LogEntry e : records.entries()) {
                    budget--;
                    if (c.isAcked(e.offset())) {
                        continue;
                    }
                    if (c.takenAhead.contains(e.offset())) {
                        continue;
                    }
                    if (!takeAhead(c, e) && strict()) {
                        String key = keyOf(e);
                        if (key != null) {
                            c.keysPassed.add(key);
                        }
                    }
                }
                c.scanPos = records.nextOffset();
            }
        }
        if (budget <= 0) {
            wake(); // more to scan: come back after the commands waiting now
        }
    }

    private boolean mayJump(PartitionCursor c, String key) {
        if (!strict()) {
            return true;
        }
        if (key == null) {
            return config.mode() == SubscriptionMode.KEY_SHARED; // keyless: partition order in exclusive/failover
        }
        if (c.keysPassed.contains(key) || blocks.isBlocked(orderKey(c, key))) {
            return false;
        }
        for (LogEntry b : c.buffer()) {
            if (key.equals(keyOf(b))) {
                return false;
            }
        }
        return true;
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

    /** The next message of a partition to consider, reading ahead from the log when the buffer is empty. */
    private LogEntry peek(PartitionCursor c) {
        while (true) {
            LogEntry head = c.buffer().peek();
            if (head != null) {
                if (c.isAcked(head.offset()) || (!c.takenAhead.isEmpty() && c.takenAhead.remove(head.offset()))) {
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
                if (records.nextOffset() > c.nextRead()) {
                    c.buffered(records.entries(), records.nextOffset(), e -> takeAhead(c, e)); // only skipped offsets
                    continue;
                }
                return null;
            }
            c.buffered(records.entries(), records.nextOffset(), e -> takeAhead(c, e));
        }
    }

    /** A high or critical message that may jump the queue goes to the ready queue instead of the reader's buffer. */
    private boolean takeAhead(PartitionCursor c, LogEntry e) {
        DeliveryControl control = DeliveryControl.of(e);
        if (control.priority() <= DeliveryControl.NORMAL || held >= HELD_LIMIT) {
            return false;
        }
        String key = config.mode() == SubscriptionMode.KEY_SHARED || strict() ? keyOf(e) : null;
        if (!mayJump(c, key)) {
            return false;
        }
        c.takenAhead.add(e.offset());
        admit(track(c, e, key, control), clock.millis(), false);
        return true;
    }

    /** Settles every message matching {@code which} without delivering it (its topic went away). */
    private void forgetWhere(java.util.function.Predicate<Tracked> which) {
        for (Tracked t : List.copyOf(tracked.values())) {
            if (which.test(t)) {
                release(t);
                t.state = Tracked.State.SETTLED;
                tracked.remove(t.id);
            }
        }
        ready.removeIf(t -> settleIf(which, t));
        timers.removeIf(e -> settleIf(which, e.t()));
        recount();
    }

    private static boolean settleIf(java.util.function.Predicate<Tracked> which, Tracked t) {
        if (which.test(t)) {
            t.state = Tracked.State.SETTLED;
            return true;
        }
        return false;
    }

    private void recount() {
        held = ready.size();
        scheduledHeld = 0;
        for (Timed e : timers) {
            Tracked t = e.t();
            if (!e.isCurrent(t.due) || t.state == Tracked.State.SETTLED || t.state == Tracked.State.WAITING_DEAD_LETTER) {
                continue;
            }
            if (t.state == Tracked.State.SCHEDULED) {
                scheduledHeld++;
            } else {
                held++;
            }
        }
        held += blocks.parked();
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
            out.add(new CursorState(tenant, config.name(), c.topic, c.logPartition.partition(), c.floor(), c.ackedAbove(),
                    c.pendingRetries(), seekGeneration));
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
