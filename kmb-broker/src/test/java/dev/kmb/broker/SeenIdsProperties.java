package dev.kmb.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link SeenIds} against a plain reference model (a deque in insertion order and a map of live ids), over random
 * runs of adds, claims, landings, kills and head removals, checking every id of the pool after each step. The ids
 * share halves (8 msb values x 8 lsb values), so ids that agree on one half or the other meet in one table: only
 * the whole 128-bit id may decide a hit; half the runs make every id's hash collide, so that nothing but that
 * comparison tells them apart. Runs are long enough for the ring to grow past its first size and shrink.
 */
class SeenIdsProperties {

    private static final long[] HALVES = {0, 1, 2, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x9E3779B97F4A7C15L, 42};
    private static final Object[] CLAIMANTS = {null, new Object(), new Object()};

    /** One entry as the model keeps it. */
    private static final class Entry {
        final long seq;
        final int id;
        final long seenAt;
        int partition;
        long offset;
        Object claimant;
        boolean dead;

        Entry(long seq, int id, long seenAt, int partition, long offset, Object claimant) {
            this.seq = seq;
            this.id = id;
            this.seenAt = seenAt;
            this.partition = partition;
            this.offset = offset;
            this.claimant = claimant;
        }
    }

    private static long msb(int id) {
        return HALVES[id / HALVES.length];
    }

    private static long lsb(int id) {
        return HALVES[id % HALVES.length];
    }

    @Property(tries = 300)
    void behavesAsAnInsertionOrderedMapOfWholeIds(
            @ForAll @Size(min = 1, max = 600) List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> steps,
            @ForAll boolean colliding) {
        SeenIds ids = colliding ? new SeenIds(0) : new SeenIds();
        ArrayDeque<Entry> ring = new ArrayDeque<>();
        Map<Integer, Entry> live = new HashMap<>();
        long nextSeq = 0;
        long clock = 1_750_000_000_000L;
        for (int v : steps) {
            int id = (v >>> 3) % (HALVES.length * HALVES.length);
            Entry e = live.get(id);
            switch (v & 7) {
                case 0, 1, 2 -> { // add: in the log already, or claimed by one of two requests
                    Object claimant = CLAIMANTS[(v >>> 10) % CLAIMANTS.length];
                    int partition = (v >>> 12) % 1024;
                    long offset = v >>> 16;
                    clock += v % 3;
                    long got = ids.add(msb(id), lsb(id), clock, claimant, claimant == null ? partition : 0, offset);
                    if (e != null && claimant != null && e.claimant == claimant) {
                        assertThat(got).as("a repeat within one request names its earlier ask").isEqualTo(-1 - e.offset);
                        break;
                    }
                    assertThat(got).isEqualTo(nextSeq);
                    if (e != null) {
                        e.dead = true;
                        e.claimant = null;
                    }
                    Entry added = new Entry(nextSeq++, id, clock, claimant == null ? partition : 0, offset, claimant);
                    ring.addLast(added);
                    live.put(id, added);
                }
                case 3 -> { // a claim lands
                    if (e != null && e.claimant != null) {
                        int partition = (v >>> 12) % 1024;
                        ids.land(ids.index(e.seq), partition, v >>> 14);
                        e.partition = partition;
                        e.offset = v >>> 14;
                        e.claimant = null;
                    }
                }
                case 4 -> { // a claim is abandoned
                    if (e != null) {
                        ids.kill(ids.index(e.seq));
                        e.dead = true;
                        e.claimant = null;
                        live.remove(id);
                    }
                }
                default -> { // the oldest entry leaves (expired or evicted)
                    if (!ring.isEmpty()) {
                        Entry head = ring.pollFirst();
                        assertThat(ids.headIndex()).isEqualTo(ids.index(head.seq));
                        assertThat(ids.seenAt(ids.headIndex())).isEqualTo(head.seenAt);
                        ids.removeHead();
                        if (!head.dead) {
                            live.remove(head.id);
                        }
                    }
                }
            }
            assertSame(ids, ring, live);
        }
    }

    private static void assertSame(SeenIds ids, ArrayDeque<Entry> ring, Map<Integer, Entry> live) {
        assertThat(ids.size()).isEqualTo(ring.size());
        assertThat(ids.isEmpty()).isEqualTo(ring.isEmpty());
        for (int id = 0; id < HALVES.length * HALVES.length; id++) {
            Entry e = live.get(id);
            int at = ids.find(msb(id), lsb(id));
            if (e == null) {
                assertThat(at).as("id %d is not held", id).isEqualTo(SeenIds.ABSENT);
                continue;
            }
            assertThat(at).as("id %d", id).isEqualTo(ids.index(e.seq));
            assertThat(ids.seenAt(at)).isEqualTo(e.seenAt);
            assertThat(ids.claimant(at)).isSameAs(e.claimant);
            assertThat(ids.partition(at)).isEqualTo(e.partition);
            assertThat(ids.offset(at)).as("where it landed, or the claiming ask").isEqualTo(e.offset);
        }
    }
}
