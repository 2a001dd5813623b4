package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.client.Receipt;
import dev.kmb.core.Envelope;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A durable subscription across restarts, graceful and kill -9 of a child JVM: every message whose publish was
 * acknowledged survives, acked messages are not delivered again, and exactly the unacked ones are redelivered.
 */
class ServerRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static List<Receipt> publish(KmbConnection c, String topic, int from, int n) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            batch.add(TestBus.message(topic, "k" + (i % 7), "{\"n\":" + i + "}"));
        }
        return c.publishBatch(batch).join();
    }

    /** Receives everything, acks the messages the predicate picks (waiting for the bus to confirm), returns the rest. */
    private static Set<UUID> receiveAndAckSome(KmbConnection c, String subscription, int expected, java.util.function.IntPredicate ackIf)
            throws InterruptedException {
        Inbox inbox = new Inbox(false);
        c.subscribe(subscription, inbox).join();
        Set<UUID> unacked = new HashSet<>();
        for (Message m : inbox.take(expected, WAIT)) {
            int n = Integer.parseInt(m.payload().replaceAll("\\D", ""));
            if (ackIf.test(n)) {
                m.ack().join();
            } else {
                unacked.add(m.id());
            }
        }
        return unacked;
    }

    private static Set<UUID> receiveAll(KmbConnection c, String subscription, int expected) throws InterruptedException {
        Inbox inbox = new Inbox(true);
        c.subscribe(subscription, inbox).join();
        List<Message> got = inbox.take(expected, WAIT);
        got.addAll(inbox.drain(Duration.ofMillis(500)));
        return got.stream().map(Message::id).collect(Collectors.toSet());
    }

    @Test
    void gracefulRestartRedeliversOnlyWhatWasNotAcked(@TempDir Path dir) throws Exception {
        Set<UUID> unacked;
        try (TestBus bus = new TestBus(dir)) {
            bus.topic("restart.t", 2);
            bus.subscription("restart-sub", "restart.t", SubscriptionMode.SHARED, b -> { });
            try (KmbConnection c = bus.client.connect()) {
                publish(c, "restart.t", 0, 50);
                // acks below 30 move the floor; 35 and 40 sit in the acked set above it
                unacked = receiveAndAckSome(c, "restart-sub", 50, n -> n < 30 || n == 35 || n == 40);
            }
            bus.restart();
            try (KmbConnection c = bus.client.connect()) {
                assertThat(receiveAll(c, "restart-sub", unacked.size())).isEqualTo(unacked);
            }
        }
    }

    @Test
    void killMinus9OfTheServerLosesNoAcknowledgedPublishAndNoAck(@TempDir Path dir) throws Exception {
        Set<UUID> expected = new HashSet<>();
        Process child = ChildServerProcess.start(dir);
        try {
            try (KmbClient client = ChildServerProcess.client(dir); KmbConnection c = client.connect()) {
                publish(c, "crash.t", 0, 100);
                expected.addAll(receiveAndAckSome(c, "crash-sub", 100, n -> n % 5 != 0));
                // published and acknowledged, never delivered before the crash
                publish(c, "crash.t", 100, 20).forEach(r -> expected.add(r.id()));
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            child = ChildServerProcess.start(dir);
            try (KmbClient client = ChildServerProcess.client(dir); KmbConnection c = client.connect()) {
                assertThat(receiveAll(c, "crash-sub", expected.size())).isEqualTo(expected);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
