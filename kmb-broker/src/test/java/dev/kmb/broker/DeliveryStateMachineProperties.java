package dev.kmb.broker;

import dev.kmb.testing.MutableClock;
import static dev.kmb.broker.BrokerHarness.T;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.SubscriptionMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The delivery state machine (deliveries, acks, nacks, terms, ack time-outs, restarts, dead letters) of a real broker
 * against a small model: after every step the messages handed out are exactly those the model says are due, each
 * with the attempt number the model counts, and in the end every message is either acked or dead-lettered once.
 */
class DeliveryStateMachineProperties {

    static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    /** A step of the consumer (or of the operator, for a restart). */
    sealed interface Step {
    }

    record Ack(int pick) implements Step {
    }

    record Nack(int pick) implements Step {
    }

    record Term(int pick) implements Step {
    }

    /** Every in-flight message's ack timeout passes. */
    record Timeout() implements Step {
    }

    /** The consumer disconnects, the broker restarts gracefully, the consumer comes back. */
    record Restart() implements Step {
    }

    /** What the model knows of one message. */
    static final class Model {
        int failures; // failed attempts so far (nack, term, time-out)
        boolean inFlight;
        boolean acked;
        boolean dead;
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 9);
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, pick.map(Ack::new)),
                net.jqwik.api.Tuple.of(4, pick.map(Nack::new)),
                net.jqwik.api.Tuple.of(1, pick.map(Term::new)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Timeout())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Restart())));
        return step.list().ofMinSize(1).ofMaxSize(14);
    }

    @Property(tries = 50)
    void deliveriesFollowTheModel(@ForAll @IntRange(min = 1, max = 5) int messages,
                                  @ForAll @IntRange(min = 1, max = 3) int maxDeliveries,
                                  @ForAll("steps") List<Step> steps) throws Exception {
        Path dir = Files.createTempDirectory("kmb-fsm");
        MutableClock clock = new MutableClock(1_750_000_000_000L);
        List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
        BrokerHarness h = new BrokerHarness(dir, BrokerConfig.defaults().withClock(clock), deadLetters);
        try {
            h.topic("fsm", 1);
            h.subscribe("fsm", "fsm", SubscriptionMode.SHARED, b -> b.start(StartPosition.EARLIEST)
                    .maxDeliveries(maxDeliveries).backoff(List.of(Duration.ZERO)).ackTimeout(ACK_TIMEOUT));
            Map<UUID, Model> model = new LinkedHashMap<>();
            for (Receipt r : h.publishMany("fsm", null, messages)) {
                model.put(r.id(), new Model());
            }
            SubscriptionSession session = h.broker.subscriptions().attach(T, "fsm");
            Map<UUID, Delivery> inFlight = new LinkedHashMap<>();
            observe(h, session, model, inFlight);

            for (Step step : steps) {
                switch (step) {
                    case Ack a -> settle(inFlight, a.pick()).ifPresent(d -> {
                        h.broker.subscriptions().ack(T, "fsm", List.of(d.id())).join();
                        Model m = model.get(d.id());
                        m.inFlight = false;
                        m.acked = true;
                    });
                    case Nack n -> settle(inFlight, n.pick()).ifPresent(d -> {
                        h.broker.subscriptions().nack(T, "fsm", List.of(d.id()), Optional.empty(), Optional.empty()).join();
                        fail(model.get(d.id()), maxDeliveries);
                    });
                    case Term t -> settle(inFlight, t.pick()).ifPresent(d -> {
                        h.broker.subscriptions().term(T, "fsm", List.of(d.id()), Optional.empty()).join();
                        Model m = model.get(d.id());
                        m.failures++;
                        m.inFlight = false;
                        m.dead = true;
                    });
                    case Timeout t -> {
                        clock.advance(ACK_TIMEOUT);
                        for (UUID id : inFlight.keySet()) {
                            fail(model.get(id), maxDeliveries);
                        }
                        inFlight.clear();
                    }
                    case Restart r -> {
                        session.close();
                        h.restart();
                        session = h.broker.subscriptions().attach(T, "fsm");
                        for (UUID id : inFlight.keySet()) {
                            fail(model.get(id), maxDeliveries); // the consumer left with it: a failed attempt
                        }
                        inFlight.clear();
                    }
                }
                observe(h, session, model, inFlight);
            }

            // drain: ack whatever comes until nothing is left
            for (int round = 0; round < 2 * maxDeliveries + 2 && !inFlight.isEmpty(); round++) {
                List<UUID> ids = new ArrayList<>(inFlight.keySet());
                h.broker.subscriptions().ack(T, "fsm", ids).join();
                ids.forEach(id -> {
                    model.get(id).inFlight = false;
                    model.get(id).acked = true;
                });
                inFlight.clear();
                observe(h, session, model, inFlight);
            }
            session.close();
            assertThat(model.values()).allMatch(m -> m.acked ^ m.dead);
            List<UUID> dead = model.entrySet().stream().filter(e -> e.getValue().dead).map(Map.Entry::getKey).toList();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (deadLetters.size() < dead.size() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(deadLetters).extracting(DeadLetter::id).containsExactlyInAnyOrderElementsOf(dead);
            for (DeadLetter dl : deadLetters) {
                assertThat(dl.attempts()).hasSize(model.get(dl.id()).failures);
            }
            h.broker.subscriptions().tick(T, "fsm").join();
            assertThat(h.broker.subscriptions().lag(T, "fsm").join().get(0).pending()).isZero();
        } finally {
            h.close();
        }
    }

    private static Optional<Delivery> settle(Map<UUID, Delivery> inFlight, int pick) {
        if (inFlight.isEmpty()) {
            return Optional.empty();
        }
        UUID id = new ArrayList<>(inFlight.keySet()).get(pick % inFlight.size());
        return Optional.of(inFlight.remove(id));
    }

    private static void fail(Model m, int maxDeliveries) {
        m.inFlight = false;
        m.failures++;
        if (m.failures >= maxDeliveries) {
            m.dead = true;
        }
    }

    /**
     * Lets the dispatcher act, then checks that exactly the messages the model says are due were handed out, with the
     * attempt numbers it counts.
     */
    private static void observe(BrokerHarness h, SubscriptionSession session, Map<UUID, Model> model,
                                Map<UUID, Delivery> inFlight) {
        h.broker.subscriptions().tick(T, "fsm").join();
        List<Delivery> got = new ArrayList<>();
        session.drainTo(got, Integer.MAX_VALUE);
        Map<UUID, Integer> expected = new HashMap<>();
        model.forEach((id, m) -> {
            if (!m.acked && !m.dead && !m.inFlight) {
                expected.put(id, m.failures + 1);
            }
        });
        assertThat(got.stream().collect(Collectors.toMap(Delivery::id, Delivery::attempt)))
                .as("deliveries after the step").isEqualTo(expected);
        for (Delivery d : got) {
            model.get(d.id()).inFlight = true;
            inFlight.put(d.id(), d);
        }
    }
}
