package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void badDurationsSizesAndSwitchesAreUsageErrorsNamingTheOption() {
        assertThat(LogCommandTest.kmb("bench", "--prime", "-1s").err()).contains("--prime must not be negative, was '-1s'");
        assertThat(LogCommandTest.kmb("bench", "--warmup", "-5s").err()).contains("--warmup must not be negative, was '-5s'");
        assertThat(LogCommandTest.kmb("bench", "--dedup", "maybe").err()).contains("--dedup must be on or off, was 'maybe'");
        LogCommandTest.Run size = LogCommandTest.kmb("bench", "--size", "big");
        assertThat(size.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(size.err()).contains("Usage: kmb bench");
    }

    @Test
    void primesTheBusUnmeasuredThenMeasuresAFixedRatePhase() {
        LogCommandTest.Run r = LogCommandTest.kmb("bench", "--prime", "1s", "--rate", "200", "--warmup", "0s",
                "--duration", "2s", "--publishers", "1", "--consumers", "1", "--partitions", "1");

        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.err()).contains("prime (not measured): 256 B, 1 publisher(s) over ws, 1 consumer(s), 1 partition(s), durable, max rate for 1 s",
                "phase 1: 256 B, 1 publisher(s) over ws, 1 consumer(s), 1 partition(s), durable, fixed rate 200 msgs/s");
        // one row: the prime is not in the table
        assertThat(r.out().lines().filter(l -> l.startsWith("256 B"))).singleElement().asString()
                .contains("fixed rate 200 msgs/s");
    }
}
