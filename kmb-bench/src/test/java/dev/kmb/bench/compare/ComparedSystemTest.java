package dev.kmb.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ComparedSystemTest {

    @Test
    void theDefaultListIsKmbAndTheFourPeersInOrder() {
        assertThat(ComparedSystem.parseList(ComparedSystem.DEFAULT_LIST)).containsExactly(ComparedSystem.KMB,
                ComparedSystem.NATS, ComparedSystem.RABBITMQ, ComparedSystem.REDIS, ComparedSystem.KAFKA);
    }

    @Test
    void namesAreTrimmedAndCaseInsensitive() {
        assertThat(ComparedSystem.parseList(" NATS, kmb-kafka ,Kmb")).containsExactly(ComparedSystem.NATS,
                ComparedSystem.KMB_KAFKA, ComparedSystem.KMB);
    }

    @Test
    void unknownEmptyAndRepeatedNamesAreRefused() {
        assertThatThrownBy(() -> ComparedSystem.parseList("kmb,pulsar")).hasMessageContaining("unknown system 'pulsar'")
                .hasMessageContaining("kmb, kmb-persistent, kmb-kafka, nats, rabbitmq, redis, kafka");
        assertThatThrownBy(() -> ComparedSystem.parseList("kmb,,nats")).hasMessageContaining("empty name");
        assertThatThrownBy(() -> ComparedSystem.parseList("  ")).hasMessageContaining("no systems given");
        assertThatThrownBy(() -> ComparedSystem.parseList("nats,NATS")).hasMessageContaining("'NATS' is listed twice");
    }

    @Test
    void localServersSayWhereTheyListenAndHowToStartThem() {
        assertThat(ComparedSystem.REDIS.isExternal()).isTrue();
        assertThat(ComparedSystem.REDIS.port()).isEqualTo(6379);
        assertThat(ComparedSystem.REDIS.startCommand()).hasValueSatisfying(c -> assertThat(c).startsWith("redis-server"));
        assertThat(ComparedSystem.RABBITMQ.processName()).contains("beam.smp");
        assertThat(ComparedSystem.KAFKA.isExternal()).isFalse();
        assertThat(ComparedSystem.KAFKA.processName()).isEmpty();
    }

    @Test
    void quorumQueuesFromRabbitMq38() {
        assertThat(Comparison.supportsQuorumQueues("3.10.8")).isTrue();
        assertThat(Comparison.supportsQuorumQueues("4.0.2")).isTrue();
        assertThat(Comparison.supportsQuorumQueues("3.7.28")).isFalse();
        assertThat(Comparison.supportsQuorumQueues("garbage")).isFalse();
    }
}
