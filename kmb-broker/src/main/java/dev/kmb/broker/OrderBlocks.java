package dev.kmb.broker;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Strict ordering through retries: while a message of a key is in backoff, the key's later messages are parked
 * behind it, and they go out again one at a time in offset order. Keys are order keys (partition and message key).
 * Dispatcher thread only.
 */
final class OrderBlocks {

    /** One blocked key: offsets in backoff, messages parked behind them, and released ones not yet handed out. */
    private static final class Block {
        final TreeSet<Long> waiting = new TreeSet<>();
        final TreeMap<Long, Tracked> parked = new TreeMap<>();
        int released;

        boolean isEmpty() {
            return waiting.isEmpty() && parked.isEmpty() && released == 0;
        }
    }

    private final Map<String, Block> blocks = new HashMap<>();
    private int parkedCount;

    /** True when a new message of this key must park. */
    boolean isBlocked(String orderKey) {
        return orderKey != null && blocks.containsKey(orderKey);
    }

    /** How many messages are parked, over all keys. */
    int parked() {
        return parkedCount;
    }

    /** A message of the key went into backoff: later ones wait for it. */
    void waiting(Tracked t) {
        blocks.computeIfAbsent(t.orderKey, k -> new Block()).waiting.add(t.offset);
    }

    /** A new message of a blocked key waits behind the earlier ones. */
    void park(Tracked t) {
        Block b = blocks.computeIfAbsent(t.orderKey, k -> new Block());
        t.state = Tracked.State.PARKED;
        b.parked.put(t.offset, t);
        parkedCount++;
    }

    /**
     * A message of the key came out of backoff. Answers true when it may go to the ready queue now (nothing earlier of
     * its key is waiting, parked or out for delivery), else parks it behind them and answers false.
     */
    boolean due(Tracked t) {
        Block b = blocks.get(t.orderKey);
        if (b == null) {
            return true;
        }
        b.waiting.remove(t.offset);
        boolean earlierWaits = (!b.waiting.isEmpty() && b.waiting.first() < t.offset)
                || (!b.parked.isEmpty() && b.parked.firstKey() < t.offset) || b.released > 0;
        if (earlierWaits) {
            t.state = Tracked.State.PARKED;
            b.parked.put(t.offset, t);
            parkedCount++;
            return false;
        }
        b.released++;
        t.released = true;
        return true;
    }

    /**
     * The key's message was handed to a member (or settled): counts a released one as gone and answers the next parked
     * message that may go now, or null.
     */
    Tracked handed(Tracked t) {
        Block b = blocks.get(t.orderKey);
        if (b == null) {
            return null;
        }
        if (t.released) {
            t.released = false;
            b.released--;
        }
        return releaseNext(t.orderKey, b);
    }

    private Tracked releaseNext(String orderKey, Block b) {
        Tracked next = null;
        if (b.released == 0 && !b.parked.isEmpty() && (b.waiting.isEmpty() || b.parked.firstKey() < b.waiting.first())) {
            next = b.parked.pollFirstEntry().getValue();
            parkedCount--;
            b.released++;
            next.released = true;
        }
        if (b.isEmpty()) {
            blocks.remove(orderKey);
        }
        return next;
    }

    /** A message left the key's bookkeeping without being handed out (settled, dead-lettered, expired). */
    Tracked forget(Tracked t) {
        Block b = blocks.get(t.orderKey);
        if (b == null) {
            return null;
        }
        b.waiting.remove(t.offset);
        if (b.parked.remove(t.offset) != null) {
            parkedCount--;
        }
        if (t.released) {
            t.released = false;
            b.released--;
        }
        return releaseNext(t.orderKey, b);
    }

    /** Forgets everything (seek). */
    void clear() {
        blocks.clear();
        parkedCount = 0;
    }
}
