package dev.kmb.broker;

import static dev.kmb.broker.BrokerHarness.T;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.DeadLetterRef;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionMode;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.TopicName;
import dev.kmb.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;

/**
 * The dead-letter service on a real log and state store (each backend), with time under the test's control: what a
 * crash in the middle of a redrive leaves behind, and a redrive whose publishes are partly refused.
 */
@OnEachBackend
class DeadLetterServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final TopicName DLQ = DeadLetterService.SYSTEM_DLQ;

    @Parameter
    Backend backend;
    TestPostgres pg; // set for the KAFKA run
    @TempDir
    Path dir;
    private final SettableClock clock = new SettableClock(Instant.parse("2026-05-01T10:00:00Z"));
    private final AtomicBoolean refusePoison = new AtomicBoolean();
    private BrokerHarness h;

    /** A clock the test moves by hand. */
    private static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private void open() {
        PublishInterceptor poison = (tenant, e) -> refusePoison.get()
                && new String(e.payload().toByteArray(), StandardCharsets.UTF_8).contains("poison")
                ? new PublishInterceptor.Reject(Problem.of(ProblemCode.FORBIDDEN, "poison refused"))
                : new PublishInterceptor.Continue(e);
        h = new BrokerHarness(Backing.of(backend, dir, pg), BrokerConfig.defaults().withClock(clock).withInterceptors(List.of(poison)));
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    /** Publishes the payloads on {@code topic}, rejects each on a new subscription, waits for the dead letters. */
    private List<StoredDeadLetter> deadLetter(String topic, String... payloads) throws Exception {
        h.topic(topic, 1);
        h.subscribe("s-" + topic, topic, SubscriptionMode.SHARED, b -> b.start(StartPosition.EARLIEST));
        for (String p : payloads) {
            h.publish(BrokerHarness.message(topic, null, p));
        }
        try (SubscriptionSession s = h.broker.subscriptions().attach(T, "s-" + topic)) {
            List<UUID> ids = BrokerHarness.take(s, payloads.length, WAIT).stream().map(Delivery::id).toList();
            assertThat(ids).hasSize(payloads.length);
            h.broker.subscriptions().term(T, "s-" + topic, ids, Optional.empty()).join();
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<StoredDeadLetter> listed;
        do {
            listed = list();
        } while (listed.size() < payloads.length && System.nanoTime() < deadline);
        assertThat(listed).hasSize(payloads.length);
        return listed;
    }

    private List<StoredDeadLetter> list() {
        return h.broker.deadLetters().list(T, new DeadLetterQuery(DLQ, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), DeadLetterQuery.MAX_LIMIT)).deadLetters();
    }

    private RedriveResult redriveAll() {
        return h.broker.deadLetters().redrive(T, new RedriveRequest(Set.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true, Optional.empty(), DLQ, RedriveRequest.DEFAULT_LIMIT)).join();
    }

    @Test
    void aDeadLetterClaimedByARedriveThatDiedShowsAgainAfterTheLeaseAndMovesOnce() throws Exception {
        open();
        StoredDeadLetter d = deadLetter("lease.t", "{\"n\":1}").get(0);
        // what a redrive that crashed after its claim leaves in the store
        h.store.claimDeadLetters("crashed-redrive", List.of(new DeadLetterRef(T, DLQ, d.dlqPartition(), d.dlqOffset())),
                clock.millis(), clock.millis() - Redriver.LEASE.toMillis());
        h.restart();

        assertThat(list()).isEmpty();
        assertThat(redriveAll().moved()).isZero();

        clock.advance(Redriver.LEASE.plusSeconds(1));
        assertThat(list()).extracting(StoredDeadLetter::id).containsExactly(d.id());
        assertThat(redriveAll().moved()).isEqualTo(1);
        assertThat(redriveAll().moved()).isZero();
        assertThat(list()).isEmpty();
    }

    @Test
    void whatThePublishPipelineRefusesIsReportedAndStaysWhileTheRestMoves() throws Exception {
        open();
        List<StoredDeadLetter> dead = deadLetter("mixed.t", "{\"n\":\"fine\"}", "{\"n\":\"poison\"}");
        refusePoison.set(true);

        RedriveResult r = redriveAll();

        assertThat(r.moved()).isEqualTo(1);
        assertThat(r.byTopic()).containsExactly(java.util.Map.entry(TopicName.of("mixed.t"), 1));
        assertThat(r.failed()).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo(dead.get(1).id());
            assertThat(f.problem().code()).isEqualTo(ProblemCode.FORBIDDEN);
        });
        assertThat(list()).extracting(StoredDeadLetter::id).containsExactly(dead.get(1).id());

        refusePoison.set(false);
        assertThat(redriveAll().moved()).isEqualTo(1);
        assertThat(list()).isEmpty();
    }
}
