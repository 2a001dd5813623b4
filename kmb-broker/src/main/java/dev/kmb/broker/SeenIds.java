package dev.kmb.broker;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The ids one topic's dedup window holds, in primitive arrays: no object per id, so nothing for the GC to trace or
 * promote, and about one cache miss to look up or insert an id. Not thread-safe: its topic's lock guards it.
 *
 * <p><b>Layout.</b> Entries sit in a ring in the order they were added (which is time order, give or take a
 * concurrent call), addressed by a sequence number that never changes while the entry is held: ring index =
 * {@code seq & (capacity - 1)}. An open-addressing table (linear probing, at most half full) maps an id to its
 * entry; a hit is confirmed by comparing the whole 128-bit id, so a hash collision never makes a duplicate.
 * <pre>
 *   slots: long, 2 x capacity            entries: 4 longs each, capacity a power of two (head .. tail-1 held)
 *   +--------+-------+                   +--------+--------+--------+---------------------------+
 *   | 0               |  empty       0:  | id msb | id lsb | offset | seenAt ms &lt;&lt; 16 | part+1 |
 *   | hash32 | 1 + 1  | --> entry 1  1:  | id msb | id lsb | offset | seenAt ms &lt;&lt; 16 | part+1 |
 *   | 0               |                  +--------+--------+--------+---------------------------+
 *   | hash32 | 0 + 1  | --> entry 0  offset: where it landed (the claiming ask's index while claimed);
 *   +--------+-------+               part+1: 0 when dead; claimants (refs): the claiming request until it lands
 * </pre>
 * A slot keeps the top 32 bits of the id's hash beside the entry index: a probe passes other ids without reading their
 * entries, and a removal finds where the ids after it belong without reading theirs, so a look-up or an insert costs
 * about one cache miss and a removal about one more. 52 bytes per entry of capacity (32 + a 4-byte claimant reference
 * + two 8-byte table slots): about 55 bytes per id at the default cap of 1 M in one topic, up to twice that just
 * after the ring doubled; a ring that falls below an eighth full halves. Every array is cut into pages of at most 256 KiB, so none is a humongous object to G1 (whose
 * regions a power-of-two array plus its header would overrun by a whole region).
 *
 * <p>An entry leaves the table (it is <em>dead</em>) when its claim is abandoned or a later copy of its id replaces
 * it; it stays in the ring, and counted, until it reaches the head, as its live siblings do. The table's hash is
 * seeded per instance, so ids chosen to collide on one bus do not collide on another.
 */
final class SeenIds {

    /** {@link #find} for an id not held. */
    static final int ABSENT = -1;

    private static final int MIN_CAPACITY = 16;
    /** Entries per page: 8192 x 32 bytes = 256 KiB. */
    private static final int ENTRY_SHIFT = 13;
    private static final int ENTRY_MASK = (1 << ENTRY_SHIFT) - 1;
    /** Table slots per page: 32768 x 8 bytes = 256 KiB. */
    private static final int SLOT_SHIFT = 15;
    private static final int SLOT_MASK = (1 << SLOT_SHIFT) - 1;
    private static final int MAX_PARTITION = 0xFFFE;

    private final long seed = ThreadLocalRandom.current().nextLong() | 1;
    private final int hashMask;
    private long[][] entries;
    private Object[][] claimants;
    private long[][] slots; // hash32 << 32 | entry index + 1; 0 = empty
    private int capacity;
    private int slotMask;
    private int slotShift; // 32 - log2(slot count): an id's home slot is the top bits of its hash32
    private long head;
    private long tail;

    SeenIds() {
        this(-1);
    }

    /** For tests: keeps only {@code hashMask}'s bits of each id's hash, so that ids collide (0: all of them). */
    SeenIds(int hashMask) {
        this.hashMask = hashMask;
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        this.capacity = capacity;
        int perPage = Math.min(capacity, 1 << ENTRY_SHIFT);
        entries = new long[capacity / perPage][4 * perPage];
        claimants = new Object[capacity / perPage][perPage];
        int slotCount = 2 * capacity;
        int slotsPerPage = Math.min(slotCount, 1 << SLOT_SHIFT);
        slots = new long[slotCount / slotsPerPage][slotsPerPage];
        slotMask = slotCount - 1;
        slotShift = 32 - Integer.numberOfTrailingZeros(slotCount);
    }

    /** Entries held, dead ones included. */
    long size() {
        return tail - head;
    }

    boolean isEmpty() {
        return tail == head;
    }

    /** The index of the id's entry, or {@link #ABSENT}. */
    int find(long msb, long lsb) {
        int hash = hash(msb, lsb);
        for (int s = hash >>> slotShift; ; s = (s + 1) & slotMask) {
            long v = slot(s);
            if (v == 0) {
                return ABSENT;
            }
            if ((int) (v >>> 32) == hash && is((int) v - 1, msb, lsb)) {
                return (int) v - 1;
            }
        }
    }

    /**
     * Adds the id at the tail, in the table in place of any entry it had (which goes dead), and returns its sequence
     * (zero or more). {@code claimant}: the request appending it (null when it is already in the log); {@code offset}:
     * where it landed, or the ask's index while claimed. When the id's entry is already claimed by this same
     * {@code claimant} (a repeat within one request), adds nothing and returns {@code -1 - } that claim's ask index.
     */
    long add(long msb, long lsb, long at, Object claimant, int partition, long offset) {
        if (partition < 0 || partition > MAX_PARTITION) {
            throw new IllegalArgumentException("partition " + partition + " out of 0.." + MAX_PARTITION);
        }
        if (tail - head == capacity) {
            resize(capacity * 2);
        }
        int hash = hash(msb, lsb);
        int s = hash >>> slotShift;
        int replaced = ABSENT;
        for (long v; (v = slot(s)) != 0; s = (s + 1) & slotMask) {
            int other = (int) v - 1;
            if ((int) (v >>> 32) == hash && is(other, msb, lsb)) {
                if (claimant != null && claimant(other) == claimant) {
                    return -1 - offset(other);
                }
                replaced = other;
                break;
            }
        }
        long seq = tail++;
        int i = index(seq);
        long[] page = entries[i >>> ENTRY_SHIFT];
        int b = (i & ENTRY_MASK) << 2;
        page[b] = msb;
        page[b + 1] = lsb;
        page[b + 2] = offset;
        page[b + 3] = at << 16 | (partition + 1);
        claimants[i >>> ENTRY_SHIFT][i & ENTRY_MASK] = claimant;
        setSlot(s, hash, i);
        if (replaced != ABSENT) {
            markDead(replaced);
        }
        return seq;
    }

    /**
     * Reads the id's home slot, to no effect but to bring it into the cache before the lock is taken: so that a
     * request's look-ups wait for memory together rather than one after another, and not while holding the lock.
     * Safe without the lock, racing with anything: it reads whatever arrays it finds, checks bounds, changes nothing.
     */
    long touch(long msb, long lsb) {
        long[][] pages = slots;
        int s = hash(msb, lsb) >>> slotShift;
        int page = s >>> SLOT_SHIFT;
        if (page >= pages.length) {
            return 0;
        }
        long[] p = pages[page];
        int o = s & SLOT_MASK;
        return o < p.length ? p[o] : 0;
    }

    /** Reads the table slots of the {@code n} oldest entries, as {@link #touch} does, before they are removed. */
    long touchOldest(long n) {
        long sum = 0;
        for (long seq = head, end = Math.min(tail, head + n); seq < end; seq++) {
            int i = index(seq);
            long[] page = entries[i >>> ENTRY_SHIFT];
            int b = (i & ENTRY_MASK) << 2;
            sum += slot(hash(page[b], page[b + 1]) >>> slotShift);
        }
        return sum;
    }

    /** Takes the entry out of the table (its claim was abandoned); it stays in the ring until it reaches the head. */
    void kill(int i) {
        if (!isDead(i)) {
            unlink(i);
            markDead(i);
        }
    }

    /** The entry index of a sequence number handed out by {@link #add} (valid while the entry is held). */
    int index(long seq) {
        return (int) seq & (capacity - 1);
    }

    long seenAt(int i) {
        return entries[i >>> ENTRY_SHIFT][((i & ENTRY_MASK) << 2) + 3] >> 16;
    }

    long offset(int i) {
        return entries[i >>> ENTRY_SHIFT][((i & ENTRY_MASK) << 2) + 2];
    }

    int partition(int i) {
        return (int) (entries[i >>> ENTRY_SHIFT][((i & ENTRY_MASK) << 2) + 3] & 0xFFFF) - 1;
    }

    Object claimant(int i) {
        return claimants[i >>> ENTRY_SHIFT][i & ENTRY_MASK];
    }

    /** The claimed entry is in the log at {@code partition}/{@code offset}. */
    void land(int i, int partition, long offset) {
        long[] page = entries[i >>> ENTRY_SHIFT];
        int b = (i & ENTRY_MASK) << 2;
        page[b + 2] = offset;
        page[b + 3] = (page[b + 3] & ~0xFFFFL) | (partition + 1);
        claimants[i >>> ENTRY_SHIFT][i & ENTRY_MASK] = null;
    }

    /** The entry index of the oldest entry; call only when not {@link #isEmpty}. */
    int headIndex() {
        return index(head);
    }

    /** Forgets the oldest entry. */
    void removeHead() {
        int i = index(head);
        if (!isDead(i)) {
            unlink(i);
        }
        claimants[i >>> ENTRY_SHIFT][i & ENTRY_MASK] = null;
        head++;
        if (capacity > MIN_CAPACITY && tail - head < capacity / 8) {
            resize(capacity / 2);
        }
    }

    /** Forgets every entry. */
    void clear() {
        head = tail;
        allocate(MIN_CAPACITY);
    }

    private boolean is(int i, long msb, long lsb) {
        long[] page = entries[i >>> ENTRY_SHIFT];
        int b = (i & ENTRY_MASK) << 2;
        return page[b] == msb && page[b + 1] == lsb;
    }

    private boolean isDead(int i) {
        return (entries[i >>> ENTRY_SHIFT][((i & ENTRY_MASK) << 2) + 3] & 0xFFFF) == 0;
    }

    private void markDead(int i) {
        long[] page = entries[i >>> ENTRY_SHIFT];
        int b = (i & ENTRY_MASK) << 2;
        page[b + 3] &= ~0xFFFFL;
        claimants[i >>> ENTRY_SHIFT][i & ENTRY_MASK] = null;
    }

    private long slot(int s) {
        return slots[s >>> SLOT_SHIFT][s & SLOT_MASK];
    }

    private void setSlot(int s, int hash, int i) {
        slots[s >>> SLOT_SHIFT][s & SLOT_MASK] = (long) hash << 32 | (i + 1);
    }

    private void setSlot(int s, long v) {
        slots[s >>> SLOT_SHIFT][s & SLOT_MASK] = v;
    }

    /** Removes entry {@code i} from the table, shifting back the probe run after it (no tombstones). */
    private void unlink(int i) {
        long[] page = entries[i >>> ENTRY_SHIFT];
        int b = (i & ENTRY_MASK) << 2;
        int s = hash(page[b], page[b + 1]) >>> slotShift;
        while ((int) slot(s) != i + 1) {
            s = (s + 1) & slotMask;
        }
        int hole = s;
        for (int j = (hole + 1) & slotMask; ; j = (j + 1) & slotMask) {
            long v = slot(j);
            if (v == 0) {
                break;
            }
            int want = (int) (v >>> 32) >>> slotShift;
            // move it into the hole unless its home lies cyclically within (hole, j]
            if (((j - want) & slotMask) >= ((j - hole) & slotMask)) {
                setSlot(hole, v);
                hole = j;
            }
        }
        setSlot(hole, 0);
    }

    /** Copies the held entries into a ring of {@code newCapacity} (each at its sequence's new index) and re-indexes them. */
    private void resize(int newCapacity) {
        long[][] oldEntries = entries;
        Object[][] oldClaimants = claimants;
        int oldMask = capacity - 1;
        allocate(newCapacity);
        for (long seq = head; seq < tail; seq++) {
            int from = (int) seq & oldMask;
            int to = index(seq);
            System.arraycopy(oldEntries[from >>> ENTRY_SHIFT], (from & ENTRY_MASK) << 2,
                    entries[to >>> ENTRY_SHIFT], (to & ENTRY_MASK) << 2, 4);
            claimants[to >>> ENTRY_SHIFT][to & ENTRY_MASK] = oldClaimants[from >>> ENTRY_SHIFT][from & ENTRY_MASK];
            if (!isDead(to)) {
                long[] page = entries[to >>> ENTRY_SHIFT];
                int b = (to & ENTRY_MASK) << 2;
                int hash = hash(page[b], page[b + 1]);
                int s = hash >>> slotShift;
                while (slot(s) != 0) {
                    s = (s + 1) & slotMask;
                }
                setSlot(s, hash, to);
            }
        }
    }

    /** The id's 32-bit hash: a seeded 64-bit mix of both halves, its top bits (whose top bits are its home slot). */
    private int hash(long msb, long lsb) {
        long h = (msb ^ seed) * 0x9E3779B97F4A7C15L + lsb;
        h ^= h >>> 32;
        h *= 0xD6E8FEB86659FD93L;
        h ^= h >>> 29;
        return (int) (h >>> 32) & hashMask;
    }
}
