package dev.kmb.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.TopicPattern;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubscriptionRecordTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final TopicPattern ORDERS = TopicPattern.of("orders.#");

    private static SubscriptionRecord.Builder builder() {
        return SubscriptionRecord.builder(TenantId.DEFAULT, "billing", ORDERS);
    }

    @Test
    void builderStartsFromTheDocumentedDefaults() {
        SubscriptionRecord s = builder().build(NOW);

        assertThat(s.mode()).isEqualTo(SubscriptionMode.SHARED);
        assertThat(s.start()).isEqualTo(StartPosition.LATEST);
        assertThat(s.ackTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxDeliveries()).isEqualTo(3);
        assertThat(s.backoff()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15));
        assertThat(s.maxInFlight()).isEqualTo(1000);
        assertThat(s.createdAt()).isEqualTo(NOW);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "billing-v2", "team.billing_1", "A.B-c_9"})
    void acceptsNamesOfTheGrammar(String name) {
        assertThat(SubscriptionRecord.builder(TenantId.DEFAULT, name, ORDERS).build(NOW).name()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "has space", "slash/name", "star*", "ümlaut"})
    void rejectsNamesOutsideTheGrammar(String name) {
        assertThatThrownBy(() -> SubscriptionRecord.builder(TenantId.DEFAULT, name, ORDERS).build(NOW))
                .hasMessageContaining("subscription name '" + name + "'");
    }

    @Test
    void nameMayHave128CharactersNotMore() {
        assertThat(SubscriptionRecord.checkName("x".repeat(128))).hasSize(128);
        assertThatThrownBy(() -> SubscriptionRecord.checkName("x".repeat(129)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void validationNamesTheWireKeyAndTheValue() {
        assertThatThrownBy(() -> builder().ackTimeout(Duration.ZERO).build(NOW)).hasMessageContaining("ack_timeout");
        assertThatThrownBy(() -> builder().ackTimeout(Duration.ofNanos(999_999)).build(NOW))
                .hasMessageContaining("ack_timeout must be at least 1 ms");
        assertThatThrownBy(() -> builder().maxDeliveries(0).build(NOW))
                .hasMessageContaining("max_deliveries must be >= 1, was 0");
        assertThatThrownBy(() -> builder().maxInFlight(0).build(NOW))
                .hasMessageContaining("max_in_flight must be in 1..100000, was 0");
        assertThatThrownBy(() -> builder().maxInFlight(100_001).build(NOW)).hasMessageContaining("was 100001");
        assertThatThrownBy(() -> builder().backoff(List.of(Duration.ofSeconds(1), Duration.ofSeconds(-1))).build(NOW))
                .hasMessageContaining("backoff[1] must be >= 0");
        assertThatThrownBy(() -> builder().backoff(Collections.nCopies(65, Duration.ZERO)).build(NOW))
                .hasMessageContaining("at most 64");
    }

    @Test
    void boundaryValuesAreAccepted() {
        SubscriptionRecord s = builder().ackTimeout(Duration.ofMillis(1)).maxDeliveries(1).maxInFlight(100_000)
                .backoff(List.of()).build(NOW);

        assertThat(s.backoff()).isEmpty();
        assertThat(s.maxInFlight()).isEqualTo(100_000);
    }

    @Test
    void keepsDurationsAndTimesAtMillisecondsAndOwnsItsBackoffList() {
        List<Duration> backoff = new ArrayList<>(List.of(Duration.ofNanos(1_500_000)));
        SubscriptionRecord s = builder().ackTimeout(Duration.ofNanos(2_000_100)).backoff(backoff)
                .build(NOW.plusNanos(999));
        backoff.add(Duration.ofSeconds(9));

        assertThat(s.ackTimeout()).isEqualTo(Duration.ofMillis(2));
        assertThat(s.backoff()).containsExactly(Duration.ofMillis(1));
        assertThat(s.createdAt()).isEqualTo(NOW);
    }

    @Test
    void modeWireNamesAreLowerCase() {
        assertThat(SubscriptionMode.KEY_SHARED.wireName()).isEqualTo("key_shared");
        for (SubscriptionMode m : SubscriptionMode.values()) {
            assertThat(SubscriptionMode.fromWireName(m.wireName())).isEqualTo(m);
        }
        assertThatThrownBy(() -> SubscriptionMode.fromWireName("broadcast")).hasMessageContaining("'broadcast'");
    }
}
