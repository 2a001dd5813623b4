package dev.kmb.server;

import dev.kmb.client.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Collects the messages a subscription's consumer gets; optionally acks each. */
final class Inbox implements Consumer<Message> {

    private final LinkedBlockingQueue<Message> queue = new LinkedBlockingQueue<>();
    private final boolean autoAck;

    Inbox(boolean autoAck) {
        this.autoAck = autoAck;
    }

    @Override
    public void accept(Message m) {
        queue.add(m);
        if (autoAck) {
            m.ack();
        }
    }

    /** Exactly the next {@code n} messages, failing when they do not arrive in time. */
    List<Message> take(int n, Duration within) throws InterruptedException {
        List<Message> out = new ArrayList<>(n);
        long deadline = System.nanoTime() + within.toNanos();
        while (out.size() < n) {
            Message m = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("got " + out.size() + " of " + n + " messages within " + within);
            }
            out.add(m);
        }
        return out;
    }

    /** Whatever arrives within {@code quiet} of the previous message. */
    List<Message> drain(Duration quiet) throws InterruptedException {
        List<Message> out = new ArrayList<>();
        for (Message m; (m = queue.poll(quiet.toNanos(), TimeUnit.NANOSECONDS)) != null; ) {
            out.add(m);
        }
        return out;
    }

    int size() {
        return queue.size();
    }
}
