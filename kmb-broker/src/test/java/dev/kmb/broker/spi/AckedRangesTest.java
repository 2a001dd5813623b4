package dev.kmb.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AckedRangesTest {

    @Test
    void offsetsBecomeMaximalRuns() {
        AckedRanges r = AckedRanges.of(3, 4, 5, 9, 11, 12);
        assertThat(r.rangeCount()).isEqualTo(3);
        assertThat(r.count()).isEqualTo(6);
        assertThat(r).isEqualTo(AckedRanges.ofBounds(new long[] {3, 5, 9, 9, 11, 12}));
        assertThat(r.toArray()).containsExactly(3, 4, 5, 9, 11, 12);
        assertThat(r.toString()).isEqualTo("[3..5, 9, 11..12]");
        for (long o = 0; o < 15; o++) {
            assertThat(r.contains(o)).as("offset %d", o).isEqualTo(List.of(3L, 4L, 5L, 9L, 11L, 12L).contains(o));
        }
    }

    @Test
    void refusesWhatIsNotAscendingDisjointRanges() {
        assertThatThrownBy(() -> AckedRanges.of(3, 3)).hasMessageContaining("ascend strictly");
        assertThatThrownBy(() -> AckedRanges.of(5, 4)).hasMessageContaining("ascend strictly");
        assertThatThrownBy(() -> AckedRanges.ofBounds(new long[] {1, 2, 3})).hasMessageContaining("pairs");
        assertThatThrownBy(() -> AckedRanges.ofBounds(new long[] {1, 2, 3, 4})).hasMessageContaining("with a gap");
        assertThatThrownBy(() -> AckedRanges.ofBounds(new long[] {5, 4})).hasMessageContaining("empty");
        assertThatThrownBy(() -> AckedRanges.ofBounds(new long[] {-2, 4})).hasMessageContaining("negative");
    }

    @Test
    void aMillionOffsetsBehindOneGapAreTwoRanges() {
        AckedRanges r = AckedRanges.ofBounds(new long[] {10, 10, 12, 1_000_011});
        assertThat(r.count()).isEqualTo(1_000_001);
        assertThat(r.rangeCount()).isEqualTo(2);
        assertThat(r.contains(11)).isFalse();
        assertThat(r.contains(500_000)).isTrue();
    }

    @Test
    void aCursorStateFoldsTheRunAtItsFloor() {
        CursorState s = new CursorState(TenantId.DEFAULT, "billing", dev.kmb.core.TopicName.of("orders"), 0, 5,
                AckedRanges.ofBounds(new long[] {5, 8, 10, 10}), List.of(), 0);
        assertThat(s.ackFloor()).isEqualTo(9);
        assertThat(s.ackedAbove()).containsExactly(10);
        assertThat(s).isEqualTo(new CursorState(TenantId.DEFAULT, "billing", dev.kmb.core.TopicName.of("orders"), 0, 9,
                new long[] {10}));
    }
}
