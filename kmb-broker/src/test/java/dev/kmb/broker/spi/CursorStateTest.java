package dev.kmb.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicPartition;
import org.junit.jupiter.api.Test;

class CursorStateTest {

    private static final TopicName ORDERS = TopicName.of("orders");

    private static CursorState state(long floor, long... acked) {
        return new CursorState(TenantId.DEFAULT, "billing", ORDERS, 2, floor, acked);
    }

    @Test
    void ackedRunAtTheFloorIsFoldedIntoIt() {
        CursorState s = state(5, 5, 6, 9);

        assertThat(s.ackFloor()).isEqualTo(7);
        assertThat(s.ackedAbove()).containsExactly(9);
        assertThat(s).isEqualTo(state(7, 9));
    }

    @Test
    void equalityComparesTheAckedOffsetsNotTheArrays() {
        assertThat(state(3, 5, 8)).isEqualTo(state(3, 5, 8)).hasSameHashCodeAs(state(3, 5, 8));
        assertThat(state(3, 5, 8)).isNotEqualTo(state(3, 5, 9));
        assertThat(state(3)).isEqualTo(CursorState.at(TenantId.DEFAULT, "billing", ORDERS, 2, 3));
    }

    @Test
    void answersWhetherAnOffsetIsAcked() {
        CursorState s = state(10, 12, 13);

        assertThat(s.isAcked(0)).isTrue();
        assertThat(s.isAcked(9)).isTrue();
        assertThat(s.isAcked(10)).isFalse();
        assertThat(s.isAcked(11)).isFalse();
        assertThat(s.isAcked(12)).isTrue();
        assertThat(s.isAcked(14)).isFalse();
        assertThat(s.ackedAboveCount()).isEqualTo(2);
        assertThat(s.topicPartition()).isEqualTo(new TopicPartition(ORDERS, 2));
    }

    @Test
    void neitherTheCallerNorAReaderCanChangeTheState() {
        long[] acked = {12, 13};
        CursorState s = state(10, acked);
        acked[0] = 11;
        s.ackedAbove()[1] = 99;

        assertThat(s.ackedAbove()).containsExactly(12, 13);
    }

    @Test
    void rejectsUnsortedDuplicateOrBelowFloorOffsets() {
        assertThatThrownBy(() -> state(10, 13, 12)).hasMessageContaining("ascend strictly");
        assertThatThrownBy(() -> state(10, 12, 12)).hasMessageContaining("ascend strictly");
        assertThatThrownBy(() -> state(10, 9)).hasMessageContaining("ascend strictly from ack_floor 10");
        assertThatThrownBy(() -> state(-1)).hasMessageContaining("ack_floor must be >= 0");
        assertThatThrownBy(() -> new CursorState(TenantId.DEFAULT, "billing", ORDERS, -1, 0, new long[0]))
                .hasMessageContaining("partition must be >= 0");
    }

    @Test
    void toStringStaysShortForLargeSets() {
        long[] acked = new long[1000];
        for (int i = 0; i < acked.length; i++) {
            acked[i] = 2L * i + 2;
        }

        assertThat(state(0, acked).toString()).contains("default/billing orders-2 ackFloor=0").contains("984 more")
                .hasSizeLessThan(200);
    }
}
