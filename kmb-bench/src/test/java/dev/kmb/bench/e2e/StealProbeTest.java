package dev.kmb.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StealProbeTest {

    @Test
    void stealIsTheShareOfAllCpuTimeBetweenTwoReadings() {
        StealProbe before = StealProbe.parse("cpu  1000 0 200 5000 10 0 5 100 0 0");
        StealProbe after = StealProbe.parse("cpu  1600 0 300 5200 10 0 5 200 0 0");

        // 1,000 ticks passed (600 user, 100 system, 200 idle, 100 steal)
        assertThat(after.percentSince(before)).isCloseTo(10.0, within(1e-9));
    }

    @Test
    void noReadingOrNoTimePassedGivesNoFigure() {
        StealProbe p = StealProbe.parse("cpu 1 2 3 4 5 6 7 8");
        assertThat(p.percentSince(null)).isNull();
        assertThat(p.percentSince(p)).isNull();
    }

    @Test
    void aLineThatIsNotTheCpuTotalIsRefused() {
        assertThatThrownBy(() -> StealProbe.parse("cpu0 1 2 3 4 5 6 7 8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StealProbe.parse("cpu 1 2 3")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisMachineSaysHowMuchWasStolen() {
        StealProbe now = StealProbe.now();
        assertThat(now).as("/proc/stat on Linux").isNotNull();
        assertThat(now.total()).isPositive();
        assertThat(now.steal()).isBetween(0L, now.total());
    }
}
