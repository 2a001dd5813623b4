package dev.kmb.broker;

/**
 * The in-flight messages of a subscription in ack-deadline order, linked through the messages themselves: adding is
 * O(1) (deadlines are nearly always now + the subscription's ack timeout, so a new one goes last) and so is taking a
 * message out when it is acked. A heap with lazy deletion kept every acked message, payload included, until its
 * deadline passed: at 100 k msgs/s and a 60 s ack timeout, millions of dead messages for the GC to copy. Dispatcher
 * thread only.
 */
final class DeadlineList {

    private Tracked head;
    private Tracked tail;
    private int size;

    /** Links {@code t} by its {@code deadline}; after any entry with the same or an earlier deadline. */
    void add(Tracked t) {
        if (t.inDeadlines) {
            remove(t);
        }
        Tracked after = tail;
        while (after != null && after.deadline > t.deadline) { // only when the ack timeout was shortened
            after = after.deadlinePrev;
        }
        t.deadlinePrev = after;
        t.deadlineNext = after == null ? head : after.deadlineNext;
        if (t.deadlineNext == null) {
            tail = t;
        } else {
            t.deadlineNext.deadlinePrev = t;
        }
        if (after == null) {
            head = t;
        } else {
            after.deadlineNext = t;
        }
        t.inDeadlines = true;
        size++;
    }

    /** Unlinks {@code t}; nothing happens when it is not linked. */
    void remove(Tracked t) {
        if (!t.inDeadlines) {
            return;
        }
        if (t.deadlinePrev == null) {
            head = t.deadlineNext;
        } else {
            t.deadlinePrev.deadlineNext = t.deadlineNext;
        }
        if (t.deadlineNext == null) {
            tail = t.deadlinePrev;
        } else {
            t.deadlineNext.deadlinePrev = t.deadlinePrev;
        }
        t.deadlinePrev = null;
        t.deadlineNext = null;
        t.inDeadlines = false;
        size--;
    }

    /** The entry with the earliest deadline, or null. */
    Tracked first() {
        return head;
    }

    boolean isEmpty() {
        return head == null;
    }

    int size() {
        return size;
    }

    void clear() {
        while (head != null) {
            remove(head);
        }
    }
}
