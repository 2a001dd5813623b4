package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The progress report: plain lines every few seconds off a terminal, one bar redrawn in place on one. */
class ProgressTest {

    long now;

    @Test
    void offATerminalItWritesAPlainLineEveryFewSecondsAndOneAtTheEnd() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), false, "export t", 1000, () -> now);
        p.advance(100);
        now += 1_000_000_000L;
        p.advance(100);
        assertThat(text.toString()).isEmpty();
        now += Progress.PLAIN_EVERY_NANOS;
        p.advance(300);
        now += 1_000_000_000L;
        p.advance(500);
        p.finish();
        assertThat(text.toString().lines().toList()).containsExactly(
                "export t: 500/1,000 messages (50%), 83 msg/s",
                "export t: 1,000/1,000 messages (100%), 143 msg/s");
    }

    @Test
    void onATerminalItRedrawsOneBar() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), true, "import t", 200, () -> now);
        now += Progress.TERMINAL_EVERY_NANOS;
        p.advance(50);
        now += Progress.TERMINAL_EVERY_NANOS;
        p.advance(150);
        p.finish();
        String out = text.toString();
        assertThat(out).startsWith("\rimport t [#######-----------------------] 50/200 messages (25%)")
                .contains("\rimport t [" + "#".repeat(30) + "] 200/200 messages (100%)").endsWith(System.lineSeparator());
        assertThat(out.chars().filter(c -> c == '\n').count()).as("line breaks").isEqualTo(1);
    }

    @Test
    void theLastPlainLineIsNotRepeatedAtTheEnd() {
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), false, "import t", 10, () -> now);
        now += Progress.PLAIN_EVERY_NANOS;
        p.advance(10);
        p.finish();
        assertThat(text.toString().lines()).containsExactly("import t: 10/10 messages (100%), 2 msg/s");
    }

    @Test
    void anEmptyTaskIsDoneAtOnce() {
        StringWriter text = new StringWriter();
        new Progress(new PrintWriter(text), false, "export t", 0, () -> now).finish();
        assertThat(text.toString()).startsWith("export t: 0/0 messages (100%)");
    }
}
