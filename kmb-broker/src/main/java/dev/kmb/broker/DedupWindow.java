package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import dev.kmb.log.spi.MessageLog;
import dev.kmb.log.spi.ReadResult;
import dev.kmb.log.spi.TopicPartition;
import io.micrometer.core.instrument.Counter;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p><b>Memory.</b> About 130 bytes of heap per id, measured (the UUID, its entry, a hash-map node and table slot, a queue slot). All topics
 * together hold at most {@code dedup.max_ids}; past it the oldest ids are forgotten early (in chunks of 1/64 of the
 * cap), counted in {@code kmb.dedup.evicted}. Ids leave when their window has passed, as publishes to their topic
 * come by.
 *
 * <p><b>Crash.</b> Nothing of it is written anywhere: {@link #rebuild} reads it back from the log at start-up
 * (each record's {@code kmb-id} header, from the partition's offset for {@code now - window} to its end), so the
 * publish path has no extra write, and a kill -9 loses no id whose publish was acknowledged. The receipt timestamp
 * of a rebuilt id is the record's timestamp, which the publisher writes equal to the receipt's (milliseconds).
 *
 * <p>Thread-safe: one lock per topic, held only to look up and claim, never across I/O.
 */
final class DedupWindow implements TopicService.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(DedupWindow.class);
    private static final int REBUILD_READ_RECORDS = 4096;
    private static final int REBUILD_READ_BYTES = 4 << 20;

    private final TopicService topicRecords;
    private final BrokerMetrics metrics;
    private final int maxIds;
    private final ConcurrentHashMap<LogNames.TenantTopic, TopicIds> topics = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong topicSequence = new AtomicLong();
    private final ReentrantLock evicting = new ReentrantLock();

    DedupWindow(TopicService topicRecords, BrokerMetrics metrics, int maxIds) {
        this.topicRecords = topicRecords;
        this.metrics = metrics;
        this.maxIds = maxIds;
        metrics.dedupIds(held::get);
    }

    /** One id to claim on a topic (whose record holds its window). */
    record Ask(TopicRecord topic, UUID id) {
    }

    /** What became of one asked id. */
    sealed interface Claim {
    }

    /** The id was published before within the window: this is the first receipt, marked duplicate. */
    record Duplicate(Receipt first) implements Claim {
    }

    /** The id comes earlier in the same request: a duplicate of ask {@code index}. */
    record Earlier(int index) implements Claim {
    }

    /**
     * The outcome of {@link #claim}: either one claim per asked id and the request's {@code landed} future (complete it
     * with {@link #landed} once its appends are over, whatever their outcome; null when it claimed nothing), or
     * (nothing claimed) {@code waitFor}, the appends of another request to wait for before asking again.
     */
    record Claims(List<Claim> claims, CompletableFuture<Void> landed, CompletableFuture<Void> waitFor) {
    }

    /**
     * One remembered id; as a {@link Claim}, the id is this request's to append ({@link #complete} or {@link #abandon}
     * it afterwards). Fields but {@code id}, {@code owner} and {@code seenAt} are guarded by its topic's lock.
     */
    static final class Seen implements Claim {
        final UUID id;
        final TopicIds owner;
        final long seenAt;
        int partition;
        long offset;
        /** The index of the ask that claimed it, within its request (to answer repeats in that request). */
        int askIndex;
        /** The claiming request's appends while they are under way; null once the id is in the log. */
        CompletableFuture<Void> pending;

        Seen(UUID id, TopicIds owner, long seenAt) {
            this.id = id;
            this.owner = owner;
            this.seenAt = seenAt;
        }

        Receipt receipt() {
            return new Receipt(id, owner.key.topic(), partition, offset, Instant.ofEpochMilli(seenAt), true);
        }
    }

    /** The ids of one topic, in the order they were claimed (which is time order, give or take a concurrent call). */
    static final class TopicIds {
        final LogNames.TenantTopic key;
        final long order;
        final ReentrantLock lock = new ReentrantLock();
        final HashMap<UUID, Seen> ids = new HashMap<>();
        final ArrayDeque<Seen> queue = new ArrayDeque<>();
        final Counter duplicates;

        TopicIds(LogNames.TenantTopic key, long order, Counter duplicates) {
            this.key = key;
            this.order = order;
            this.duplicates = duplicates;
        }
    }

    /**
     * Claims the asked ids at {@code nowMillis}, all or none: either every id gets a {@link Claim}, or none is
     * claimed and {@link Claims#waitFor} is the appends of another request that holds one of them.
     */
    Claims claim(List<Ask> asks, long nowMillis) {
        TopicIds[] perAsk = new TopicIds[asks.size()];
        List<TopicIds> involved = new ArrayList<>(1);
        List<TopicRecord> windows = new ArrayList<>(1);
        TopicRecord last = null;
        TopicIds lastIds = null;
        for (int i = 0; i < asks.size(); i++) {
            TopicRecord t = asks.get(i).topic();
            if (t != last) { // a batch is mostly one topic: one look-up for all of it
                last = t;
                lastIds = idsOf(t.tenant(), t.name());
                if (!containsSame(involved, lastIds)) {
                    involved.add(lastIds);
                    windows.add(t);
                }
            }
            perAsk[i] = lastIds;
        }
        if (involved.size() > 1) { // one global lock order: no deadlock between requests spanning topics
            List<TopicIds> sorted = new ArrayList<>(involved);
            sorted.sort(Comparator.comparingLong(x -> x.order));
            List<TopicRecord> sortedWindows = new ArrayList<>();
            for (TopicIds x : sorted) {
                sortedWindows.add(windows.get(indexOfSame(involved, x)));
            }
            involved = sorted;
            windows = sortedWindows;
        }
        Claims result;
        for (TopicIds ids : involved) {
            ids.lock.lock();
        }
        try {
            for (int i = 0; i < involved.size(); i++) {
                expire(involved.get(i), nowMillis, windows.get(i).dedupWindow().toMillis());
            }
            result = claimLocked(asks, perAsk, nowMillis);
        } finally {
            for (int i = involved.size() - 1; i >= 0; i--) {
                involved.get(i).lock.unlock();
            }
        }
        if (held.get() > maxIds) {
            maybeEvict();
        }
        return result;
    }

    private static boolean containsSame(List<TopicIds> list, TopicIds ids) {
        return indexOfSame(list, ids) >= 0;
    }

    private static int indexOfSame(List<TopicIds> list, TopicIds ids) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == ids) {
                return i;
            }
        }
        return -1;
    }

    private Claims claimLocked(List<Ask> asks, TopicIds[] perAsk, long now) {
        Claim[] claims = new Claim[asks.size()];
        // first pass: seen ids are duplicates; an id another request is appending means waiting, holding nothing
        for (int i = 0; i < asks.size(); i++) {
            Seen s = perAsk[i].ids.get(asks.get(i).id());
            if (s == null) {
                continue;
            }
            if (s.pending != null) {
                return new Claims(null, null, s.pending);
            }
            if (s.seenAt + asks.get(i).topic().dedupWindow().toMillis() > now) {
                claims[i] = new Duplicate(s.receipt());
            }
        }
        // second pass: take the new ids; a repeat within the request finds its first occurrence, claimed just now
        CompletableFuture<Void> landed = null;
        int added = 0;
        for (int i = 0; i < asks.size(); i++) {
            if (claims[i] != null) {
                perAsk[i].duplicates.increment();
                continue;
            }
            TopicIds ids = perAsk[i];
            UUID id = asks.get(i).id();
            if (landed == null) {
                landed = new CompletableFuture<>();
            }
            Seen mine = new Seen(id, ids, now);
            mine.askIndex = i;
            mine.pending = landed;
            Seen before = ids.ids.put(id, mine); // one hash-map operation for the common case
            if (before != null && before.pending == landed) { // this request's own claim of the id, moments ago
                ids.ids.put(id, before);
                claims[i] = new Earlier(before.askIndex);
                ids.duplicates.increment();
                continue;
            }
            ids.queue.addLast(mine);
            added++;
            claims[i] = mine;
        }
        held.addAndGet(added);
        return new Claims(Arrays.asList(claims), landed, null);
    }

    /**
     * The claimed ids of one appended batch are in the log: {@code batch[j]} (null where the record had no claim) at
     * {@code firstOffset + j} of {@code partition}.
     */
    void complete(Seen[] batch, int partition, long firstOffset) {
        ReentrantLock lock = lockOf(batch);
        if (lock == null) {
            return;
        }
        lock.lock();
        try {
            for (int j = 0; j < batch.length; j++) {
                Seen seen = batch[j];
                if (seen != null) {
                    seen.partition = partition;
                    seen.offset = firstOffset + j;
                    seen.pending = null;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The claimed ids of a batch whose append failed: forget them, so that whoever waits for them may claim them. */
    void abandon(Seen[] batch) {
        ReentrantLock lock = lockOf(batch);
        if (lock == null) {
            return;
        }
        lock.lock();
        try {
            for (Seen seen : batch) {
                if (seen != null) {
                    if (seen.owner.ids.get(seen.id) == seen) {
                        seen.owner.ids.remove(seen.id);
                    }
                    seen.pending = null;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The lock of a batch's topic (a batch is one partition, so one topic); null when nothing in it was claimed. */
    private static ReentrantLock lockOf(Seen[] batch) {
        for (Seen s : batch) {
            if (s != null) {
                return s.owner.lock;
            }
        }
        return null;
    }

    /** A request's appends are over (each batch completed or abandoned): those waiting for them may ask again. */
    static void landed(Claims claims) {
        if (claims.landed() != null) {
            claims.landed().complete(null);
        }
    }

    /**
     * Notes an id appended without a claim (a redrive, which must not be refused as a duplicate of its original): later
     * publishes of it are duplicates of this copy, as a rebuild from the log would have it.
     */
    void remember(TopicRecord topic, UUID id, int partition, long offset, long appendedAt) {
        TopicIds ids = idsOf(topic.tenant(), topic.name());
        ids.lock.lock();
        try {
            Seen old = ids.ids.get(id);
            if (old != null && old.pending != null) {
                return; // a publish of it is appending: its receipt is the one to keep
            }
            add(ids, id, partition, offset, appendedAt);
        } finally {
            ids.lock.unlock();
        }
        if (held.get() > maxIds) {
            maybeEvict();
        }
    }

    private void add(TopicIds ids, UUID id, int partition, long offset, long seenAt) {
        Seen s = new Seen(id, ids, seenAt);
        s.partition = partition;
        s.offset = offset;
        ids.ids.put(id, s);
        ids.queue.addLast(s);
        held.incrementAndGet();
    }

    /** Drops ids whose window has passed from the head of the topic's queue. Caller holds the topic's lock. */
    private void expire(TopicIds ids, long now, long window) {
        Seen head;
        while ((head = ids.queue.peekFirst()) != null && head.seenAt + window <= now && head.pending == null) {
            popHead(ids);
        }
    }

    private void popHead(TopicIds ids) {
        Seen head = ids.queue.pollFirst();
        held.decrementAndGet();
        if (ids.ids.get(head.id) == head) {
            ids.ids.remove(head.id);
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
                // the oldest topic gives up ids, in one lock hold, until its head is younger than the next topic's
                long limit = heads.isEmpty() ? Long.MAX_VALUE : heads.peek().seenAt();
                ids.lock.lock();
                try {
                    Seen head;
                    while (held.get() > target && (head = ids.queue.peekFirst()) != null && head.pending == null
                            && head.seenAt <= limit) {
                        popHead(ids);
                        evicted++;
                    }
                    head = ids.queue.peekFirst();
                    if (head != null && head.pending == null) {
                        heads.add(new Head(ids, head.seenAt));
                    }
                } finally {
                    ids.lock.unlock();
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
        ids.lock.lock();
        try {
            Seen head = ids.queue.peekFirst();
            return head == null || head.pending != null ? OptionalLong.empty() : OptionalLong.of(head.seenAt);
        } finally {
            ids.lock.unlock();
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
        ids.lock.lock();
        try {
            held.addAndGet(-ids.queue.size());
            ids.queue.clear();
            ids.ids.clear();
        } finally {
            ids.lock.unlock();
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
            ids.lock.lock();
            try {
                for (long[] f : found) {
                    add(ids, new UUID(f[3], f[4]), (int) f[1], f[2], f[0]); // a later copy of an id wins
                }
            } finally {
                ids.lock.unlock();
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
