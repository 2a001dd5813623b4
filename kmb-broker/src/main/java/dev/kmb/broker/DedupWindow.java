package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import io.micrometer.core.instrument.Counter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message ids published on each topic within its dedup window, each with where its first publish landed: the
 * memory behind {@code "duplicate": true} receipts.
 *
 * <p><b>Claims.</b> A publish claims its ids before it appends. An id not seen within the window is claimed (the
 * publish appends it and then {@link #complete completes} the claim with its offset, or {@link #abandon abandons} it
 * when the append failed); a seen one is a duplicate and gets the first receipt; one whose first publish is still
 * appending makes the whole request wait for that append and claim again (if that append failed, the id is free and
 * the waiter appends it). A request claims all its ids at once under its topics' locks, taken in one global order,
 * and never holds a claim while it waits: so two requests sharing ids cannot wait for each other.
 *
 * <p><b>Memory.</b> About 55 bytes of heap per id (measured: 54.6 for 1 M ids in one topic, 74 for 200 k, heap
 * after GC), in primitive arrays with no object per id, see {@link SeenIds}; it was ~130 with a UUID, an entry object,
 * a hash-map node and a queue slot each. All topics together hold at most {@code dedup.max_ids}; past it the oldest
 * ids are forgotten early (in chunks of 1/64 of the cap, taken a step at a time), counted in
 * {@code kmb.dedup.evicted}. Ids leave when their window has passed, as publishes to their topic come by.
 *
 * <p><b>Crash.</b> Nothing of it is written anywhere: {@link #rebuild} reads it back from the log at start-up
 * (each record's {@code kmb-id} header, from the partition's offset for {@code now - window} to its end), so the
 * publish path has no extra write, and a kill -9 loses no id whose publish was acknowledged. The receipt timestamp
 * of a rebuilt id is the record's timestamp, which the publisher writes equal to the receipt's (milliseconds).
 *
 * <p>Thread-safe: one lock per topic, held only to look up and claim, never across I/O. A completion that finds it
 * taken does not wait: it leaves its landing for the holder, and whoever takes the lock lands such leftovers first.
 */
final class DedupWindow implements TopicService.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(DedupWindow.class);
    private static final int REBUILD_READ_RECORDS = 4096;
    private static final int REBUILD_READ_BYTES = 4 << 20;
    /** Ids evicted per hold of a topic's lock: about 50 µs of its publishers' time. */
    private static final int EVICT_STEP = 256;
    /** Tries for a topic's lock before parking for it. */
    private static final int LOCK_SPINS = 100;
    /** {@link Claims}' result for an ask that is a duplicate of an earlier publish. */
    private static final long DUPLICATE = -1;

    private final TopicService topicRecords;
    private final BrokerMetrics metrics;
    private final int maxIds;
    private final ConcurrentHashMap<LogNames.TenantTopic, TopicIds> topics = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong topicSequence = new AtomicLong();
    private final ReentrantLock evicting = new ReentrantLock();
    /** Where {@link SeenIds#touch} reads go, so that they are not optimised away. Racy on purpose: never read. */
    @SuppressWarnings("unused")
    private long touched;

    DedupWindow(TopicService topicRecords, BrokerMetrics metrics, int maxIds) {
        this.topicRecords = topicRecords;
        this.metrics = metrics;
        this.maxIds = maxIds;
        metrics.dedupIds(held::get);
    }

    /** One id to claim on a topic (whose record holds its window). */
    record Ask(TopicRecord topic, UUID id) {
    }

    /**
     * What a request's {@link #claim} came to: either {@link #waitFor} (nothing claimed: wait for another request's
     * appends, then ask again), or per ask one of claimed, duplicate or repeat of an earlier ask. It is also the
     * request's mark on the ids it claimed: complete or abandon each appended batch's claims, then call {@link #landed}
     * once all its appends are over, whatever their outcome. Thread-safe.
     */
    static final class Claims {

        private static final Object LANDED = new Object();
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Claims.class, "state", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final CompletableFuture<Void> waitFor;
        /** Per ask: its topic's ids. */
        private final TopicIds[] owners;
        /** Per ask: the claimed entry's sequence (0 or more), {@code DUPLICATE}, or {@code -2 - } the earlier ask. */
        private final long[] results;
        private Receipt[] firsts;
        /** Null while appending with no one waiting, then the future waiters wait on; {@code LANDED} when over. */
        @SuppressWarnings("unused")
        private volatile Object state;

        private Claims(CompletableFuture<Void> waitFor, TopicIds[] owners, long[] results) {
            this.waitFor = waitFor;
            this.owners = owners;
            this.results = results;
        }

        /** The appends of another request that holds one of the asked ids; null when this request claimed its ids. */
        CompletableFuture<Void> waitFor() {
            return waitFor;
        }

        /** True when ask {@code a}'s id is this request's to append. */
        boolean claimed(int a) {
            return results[a] >= 0;
        }

        /** The first receipt of ask {@code a}'s id, published before within the window; null when it was not. */
        Receipt duplicateOf(int a) {
            return results[a] == DUPLICATE ? firsts[a] : null;
        }

        /** The earlier ask of this request that ask {@code a} repeats, or -1. */
        int earlier(int a) {
            return results[a] <= -2 ? (int) (-2 - results[a]) : -1;
        }

        /** A future completed once this request has landed: made only when someone waits for it. */
        private CompletableFuture<Void> landing() {
            while (true) {
                Object s = state;
                if (s == LANDED) {
                    return CompletableFuture.completedFuture(null);
                }
                if (s != null) {
                    @SuppressWarnings("unchecked")
                    CompletableFuture<Void> f = (CompletableFuture<Void>) s;
                    return f;
                }
                CompletableFuture<Void> f = new CompletableFuture<>();
                if (STATE.compareAndSet(this, null, f)) {
                    return f;
                }
            }
        }

        private boolean isLanded() {
            return state == LANDED;
        }

        private void land() {
            if (STATE.getAndSet(this, LANDED) instanceof CompletableFuture<?> f) {
                f.complete(null);
            }
        }
    }

    /** A batch's claims that landed while their topic's lock was taken: its next holder lands them. */
    private record Landing(Claims claims, int[] asks, int partition, long firstOffset) {
    }

    /** The ids of one topic and the lock that guards them. */
    static final class TopicIds {
        final LogNames.TenantTopic key;
        final long order;
        private final ReentrantLock lock = new ReentrantLock();
        final SeenIds ids = new SeenIds();
        final Counter duplicates;
        /** Completions left by {@link #complete} for the lock's next holder, so that a completion never waits. */
        private final ConcurrentLinkedQueue<Landing> landings = new ConcurrentLinkedQueue<>();
        /** Set (under the lock) once the topic's ids are forgotten: late completions of its claims do nothing. */
        boolean dropped;

        TopicIds(LogNames.TenantTopic key, long order, Counter duplicates) {
            this.key = key;
            this.order = order;
            this.duplicates = duplicates;
        }

        /**
         * Takes the lock, spinning a moment first (holds are a few microseconds: cheaper than parking), and lands the
         * completions left meanwhile, so that the holder sees every batch that landed before it.
         */
        void lock() {
            boolean locked = lock.tryLock();
            for (int i = 0; !locked && i < LOCK_SPINS; i++) {
                Thread.onSpinWait();
                locked = lock.tryLock();
            }
            if (!locked) {
                lock.lock();
            }
            landLeftCompletions();
        }

        void unlock() {
            lock.unlock();
        }

        /** Lands the completions left for the holder. Caller holds the lock. */
        void landLeftCompletions() {
            Landing l;
            while ((l = landings.poll()) != null) {
                if (!dropped) {
                    land(l.claims(), l.asks(), l.partition(), l.firstOffset());
                }
            }
        }

        private void land(Claims claims, int[] asks, int partition, long firstOffset) {
            for (int j = 0; j < asks.length; j++) {
                if (asks[j] >= 0) {
                    ids.land(ids.index(claims.results[asks[j]]), partition, firstOffset + j);
                }
            }
        }
    }

    /**
     * Claims the asked ids at {@code nowMillis}, all or none: either every id gets a claim, a duplicate or an earlier
     * ask, or none is claimed and {@link Claims#waitFor} is the appends of another request that holds one of them.
     */
    Claims claim(List<Ask> asks, long nowMillis) {
        while (true) {
            TopicIds[] perAsk = new TopicIds[asks.size()];
            TopicIds[] involved = involved(asks, perAsk);
            long touched = 0;
            for (int i = 0; i < asks.size(); i++) {
                UUID id = asks.get(i).id();
                touched += perAsk[i].ids.touch(id.getMostSignificantBits(), id.getLeastSignificantBits());
            }
            this.touched = touched;
            Claims result;
            for (TopicIds ids : involved) {
                ids.lock();
            }
            try {
                if (anyDropped(involved)) {
                    continue; // a topic deleted or switched off meanwhile: take its ids afresh
                }
                for (TopicIds ids : involved) {
                    expire(ids, nowMillis, windowOf(ids, asks, perAsk));
                }
                result = claimLocked(asks, perAsk, nowMillis);
            } finally {
                for (int i = involved.length - 1; i >= 0; i--) {
                    involved[i].unlock();
                }
            }
            if (held.get() > maxIds) {
                maybeEvict();
            }
            return result;
        }
    }

    /** Fills each ask's topic ids and returns the distinct ones in the global lock order. */
    private TopicIds[] involved(List<Ask> asks, TopicIds[] perAsk) {
        TopicRecord last = null;
        TopicIds lastIds = null;
        TopicIds[] involved = new TopicIds[1];
        int n = 0;
        for (int i = 0; i < asks.size(); i++) {
            TopicRecord t = asks.get(i).topic();
            if (t != last) { // a batch is mostly one topic: one look-up for all of it
                last = t;
                lastIds = idsOf(t.tenant(), t.name());
                if (!contains(involved, n, lastIds)) {
                    if (n == involved.length) {
                        involved = Arrays.copyOf(involved, n * 2);
                    }
                    involved[n++] = lastIds;
                }
            }
            perAsk[i] = lastIds;
        }
        if (n > 1) { // one global lock order: no deadlock between requests spanning topics
            Arrays.sort(involved, 0, n, Comparator.comparingLong(x -> x.order));
        }
        return n == involved.length ? involved : Arrays.copyOf(involved, n);
    }

    private static boolean contains(TopicIds[] array, int n, TopicIds ids) {
        for (int i = 0; i < n; i++) {
            if (array[i] == ids) {
                return true;
            }
        }
        return false;
    }

    /** The window of a topic's ids, as its latest record has it (the first ask on the topic). */
    private static long windowOf(TopicIds ids, List<Ask> asks, TopicIds[] perAsk) {
        int i = 0;
        while (perAsk[i] != ids) {
            i++;
        }
        return asks.get(i).topic().dedupWindow().toMillis();
    }

    private static boolean anyDropped(TopicIds[] involved) {
        for (TopicIds ids : involved) {
            if (ids.dropped) {
                return true;
            }
        }
        return false;
    }

    private Claims claimLocked(List<Ask> asks, TopicIds[] perAsk, long now) {
        long[] results = new long[asks.size()];
        Receipt[] firsts = null;
        // first pass: seen ids are duplicates; an id another request is appending means waiting, holding nothing
        for (int i = 0; i < asks.size(); i++) {
            Ask ask = asks.get(i);
            SeenIds ids = perAsk[i].ids;
            int at = ids.find(ask.id().getMostSignificantBits(), ask.id().getLeastSignificantBits());
            if (at == SeenIds.ABSENT) {
                continue;
            }
            if (ids.claimant(at) instanceof Claims other) {
                if (!other.isLanded()) {
                    return new Claims(other.landing(), null, null);
                }
                perAsk[i].landLeftCompletions(); // its request is over: its landing may have been left just now
                if (ids.claimant(at) != null) {
                    ids.kill(at); // its request is over but never completed it: the id is free
                    continue;
                }
            }
            if (ids.seenAt(at) + ask.topic().dedupWindow().toMillis() > now) {
                if (firsts == null) {
                    firsts = new Receipt[asks.size()];
                }
                firsts[i] = new Receipt(ask.id(), perAsk[i].key.topic(), ids.partition(at), ids.offset(at),
                        Instant.ofEpochMilli(ids.seenAt(at)), true);
                results[i] = DUPLICATE;
            }
        }
        // second pass: take the new ids; a repeat within the request finds its first occurrence, claimed just now
        Claims claims = new Claims(null, perAsk, results);
        claims.firsts = firsts;
        int added = 0;
        for (int i = 0; i < asks.size(); i++) {
            if (results[i] == DUPLICATE) {
                perAsk[i].duplicates.increment();
                continue;
            }
            UUID id = asks.get(i).id();
            long seq = perAsk[i].ids.add(id.getMostSignificantBits(), id.getLeastSignificantBits(), now, claims, 0, i);
            if (seq < 0) { // this request's own claim of the id, moments ago
                results[i] = -2 - (-1 - seq);
                perAsk[i].duplicates.increment();
                continue;
            }
            results[i] = seq;
            added++;
        }
        held.addAndGet(added);
        return claims;
    }

    /**
     * The claimed ids of one appended batch are in the log: ask {@code asks[j]} of {@code claims} (-1 where the
     * record had no claim) at {@code firstOffset + j} of {@code partition}.
     */
    void complete(Claims claims, int[] asks, int partition, long firstOffset) {
        TopicIds owner = ownerOf(claims, asks);
        if (owner == null) {
            return;
        }
        if (!owner.lock.tryLock()) {
            // someone holds the lock: leave the landing to it or the next holder (who all land those first)
            owner.landings.add(new Landing(claims, asks, partition, firstOffset));
            if (!owner.lock.tryLock()) {
                return;
            }
            owner.landLeftCompletions();
            owner.unlock();
            return;
        }
        try {
            owner.landLeftCompletions();
            if (!owner.dropped) {
                owner.land(claims, asks, partition, firstOffset);
            }
        } finally {
            owner.unlock();
        }
    }

    /** The claimed ids of a batch whose append failed: forget them, so that whoever waits for them may claim them. */
    void abandon(Claims claims, int[] asks) {
        TopicIds owner = ownerOf(claims, asks);
        if (owner == null) {
            return;
        }
        owner.lock();
        try {
            if (owner.dropped) {
                return;
            }
            for (int a : asks) {
                if (a >= 0) {
                    owner.ids.kill(owner.ids.index(claims.results[a]));
                }
            }
        } finally {
            owner.unlock();
        }
    }

    /** The topic of a batch's claims (a batch is one partition, so one topic); null when nothing in it was claimed. */
    private static TopicIds ownerOf(Claims claims, int[] asks) {
        for (int a : asks) {
            if (a >= 0) {
                return claims.owners[a];
            }
        }
        return null;
    }

    /** A request's appends are over (each batch completed or abandoned): those waiting for them may ask again. */
    static void landed(Claims claims) {
        claims.land();
    }

    /**
     * Notes an id appended without a claim (a redrive, which must not be refused as a duplicate of its original): later
     * publishes of it are duplicates of this copy, as a rebuild from the log would have it.
     */
    void remember(TopicRecord topic, UUID id, int partition, long offset, long appendedAt) {
        TopicIds ids = idsOf(topic.tenant(), topic.name());
        ids.lock();
        try {
            int at = ids.ids.find(id.getMostSignificantBits(), id.getLeastSignificantBits());
            if (at != SeenIds.ABSENT && ids.ids.claimant(at) != null) {
                return; // a publish of it is appending: its receipt is the one to keep
            }
            add(ids, id.getMostSignificantBits(), id.getLeastSignificantBits(), partition, offset, appendedAt);
        } finally {
            ids.unlock();
        }
        if (held.get() > maxIds) {
            maybeEvict();
        }
    }

    private void add(TopicIds ids, long msb, long lsb, int partition, long offset, long seenAt) {
        ids.ids.add(msb, lsb, seenAt, null, partition, offset);
        held.incrementAndGet();
    }

    /** Drops ids whose window has passed from the head of the topic's ring. Caller holds the topic's lock. */
    private void expire(TopicIds ids, long now, long window) {
        SeenIds seen = ids.ids;
        int dropped = 0;
        while (!seen.isEmpty()) {
            int head = seen.headIndex();
            if (seen.seenAt(head) + window > now || seen.claimant(head) != null) {
                break;
            }
            seen.removeHead();
            dropped++;
        }
        if (dropped > 0) {
            held.addAndGet(-dropped);
        }
    }

    /** Forgets the oldest ids of all topics down to the cap less a chunk, if no other thread is at it. */
    private void maybeEvict() {
        if (!evicting.tryLock()) {
            return;
        }
        try {
            long target = maxIds - Math.max(1, maxIds / 64);
            record Head(TopicIds ids, long seenAt) {
            }
            PriorityQueue<Head> heads = new PriorityQueue<>(Comparator.comparingLong(Head::seenAt));
            for (TopicIds ids : topics.values()) {
                headOf(ids).ifPresent(at -> heads.add(new Head(ids, at)));
            }
            long evicted = 0;
            while (held.get() > target && !heads.isEmpty()) {
                TopicIds ids = heads.poll().ids();
                // the oldest topic gives up ids until its head is younger than the next topic's, a step per lock
                // hold so that its publishers wait at most a step
                long limit = heads.isEmpty() ? Long.MAX_VALUE : heads.peek().seenAt();
                ids.lock();
                try {
                    SeenIds seen = ids.ids;
                    long excess = Math.min(held.get() - target, EVICT_STEP);
                    touched = seen.touchOldest(excess);
                    long n = 0;
                    while (n < excess && !seen.isEmpty() && seen.claimant(seen.headIndex()) == null
                            && seen.seenAt(seen.headIndex()) <= limit) {
                        seen.removeHead();
                        n++;
                    }
                    held.addAndGet(-n);
                    evicted += n;
                    if (!seen.isEmpty() && seen.claimant(seen.headIndex()) == null) {
                        heads.add(new Head(ids, seen.seenAt(seen.headIndex())));
                    }
                } finally {
                    ids.unlock();
                }
            }
            if (evicted > 0) {
                metrics.dedupEvicted(evicted);
                LOG.debug("dedup: {} ids forgotten before their window ended (dedup.max_ids = {})", evicted, maxIds);
            }
        } finally {
            evicting.unlock();
        }
    }

    private static OptionalLong headOf(TopicIds ids) {
        ids.lock();
        try {
            SeenIds seen = ids.ids;
            return seen.isEmpty() || seen.claimant(seen.headIndex()) != null ? OptionalLong.empty()
                    : OptionalLong.of(seen.seenAt(seen.headIndex()));
        } finally {
            ids.unlock();
        }
    }

    private TopicIds idsOf(TenantId tenant, TopicName topic) {
        LogNames.TenantTopic key = new LogNames.TenantTopic(tenant, topic);
        TopicIds ids = topics.get(key);
        return ids != null ? ids : topics.computeIfAbsent(key,
                k -> new TopicIds(k, topicSequence.incrementAndGet(), metrics.duplicates(topic)));
    }

    /** Forgets every id of a topic (deleted, or its dedup turned off). */
    private void forget(TenantId tenant, TopicName topic) {
        TopicIds ids = topics.remove(new LogNames.TenantTopic(tenant, topic));
        if (ids == null) {
            return;
        }
        ids.lock();
        try {
            held.addAndGet(-ids.ids.size());
            ids.ids.clear();
            ids.dropped = true;
            ids.landings.clear();
        } finally {
            ids.unlock();
        }
    }

    @Override
    public void topicChanged(TenantId tenant, TopicName topic, int partitions) {
        // a window turned off frees its ids; a changed window applies to the ids already held (they keep their time)
        if (topicRecords.find(tenant, topic).filter(TopicRecord::dedupEnabled).isEmpty()) {
            forget(tenant, topic);
        }
    }

    @Override
    public void topicDeleted(TenantId tenant, TopicName topic) {
        forget(tenant, topic); // a topic created again under the name starts with no ids
    }

    /**
     * Reads the ids of every deduplicated topic back from the log: each partition from the offset for
     * {@code now - window} to its end, records carrying a {@code kmb-id} header and a timestamp within the window.
     * Call before the first publish.
     */
    void rebuild(List<TopicRecord> records, MessageLog log, long now) {
        long started = System.nanoTime();
        long total = 0;
        for (TopicRecord t : records) {
            if (!t.dedupEnabled() || t.name().isReserved()) {
                continue;
            }
            long since = now - t.dedupWindow().toMillis();
            TopicName logTopic = LogNames.logTopic(t.tenant(), t.name());
            List<long[]> found = new ArrayList<>(); // {seenAt, partition, offset, msb, lsb}
            for (int p = 0; p < t.spec().partitions(); p++) {
                readPartition(log, new TopicPartition(logTopic, p), since, found, () -> keepNewest(found));
            }
            found.sort(Comparator.comparingLong(f -> f[0])); // the queue is kept in time order
            TopicIds ids = idsOf(t.tenant(), t.name());
            ids.lock();
            try {
                for (long[] f : found) {
                    add(ids, f[3], f[4], (int) f[1], f[2], f[0]); // a later copy of an id wins
                }
            } finally {
                ids.unlock();
            }
            total += found.size();
            if (held.get() > maxIds) {
                maybeEvict();
            }
        }
        if (total > 0) {
            LOG.info("dedup windows rebuilt from the log: {} ids in {} ms", total, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** Bounds a rebuild's scratch list: past twice the cap, only the newest {@code maxIds} could be kept anyway. */
    private void keepNewest(List<long[]> found) {
        if (found.size() <= 2L * maxIds) {
            return;
        }
        found.sort(Comparator.comparingLong(f -> f[0]));
        int drop = found.size() - maxIds;
        found.subList(0, drop).clear();
        metrics.dedupEvicted(drop);
    }

    private static void readPartition(MessageLog log, TopicPartition tp, long since, List<long[]> found, Runnable bound) {
        OptionalLong from = log.offsetForTimestamp(tp, since);
        if (from.isEmpty()) {
            return;
        }
        long offset = Math.max(from.getAsLong(), log.startOffset(tp));
        long end = log.endOffset(tp);
        while (offset < end) {
            ReadResult r = log.read(tp, offset, REBUILD_READ_RECORDS, REBUILD_READ_BYTES);
            if (r instanceof ReadResult.OutOfRange o) {
                if (o.startOffset() > offset) {
                    offset = o.startOffset(); // retention removed the start meanwhile
                    continue;
                }
                return;
            }
            ReadResult.Records records = (ReadResult.Records) r;
            for (LogEntry e : records.entries()) {
                if (e.timestamp() < since) {
                    continue; // an older message restored after newer ones
                }
                Optional<UUID> id = e.header(Publisher.ID_HEADER).flatMap(Publisher::uuidOf);
                id.ifPresent(u -> found.add(new long[] {e.timestamp(), tp.partition(), e.offset(),
                        u.getMostSignificantBits(), u.getLeastSignificantBits()}));
            }
            bound.run();
            if (records.nextOffset() <= offset) {
                return;
            }
            offset = records.nextOffset();
        }
    }
}
