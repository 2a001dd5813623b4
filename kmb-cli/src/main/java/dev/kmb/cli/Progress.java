package dev.kmb.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress report on stderr: messages done of the total, percent and rate. On a terminal, one bar redrawn in place
 * (at most ten times a second); otherwise a plain line every few seconds and one at the end, so logs stay readable.
 * Not thread-safe: one per task.
 */
final class Progress {

    /** Nanoseconds between redraws of the bar on a terminal. */
    static final long TERMINAL_EVERY_NANOS = 100_000_000L;
    /** Nanoseconds between plain lines. */
    static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final LongSupplier nanoTime;
    private final long started;
    private long done;
    private long lastDraw;
    private long drawnDone = -1;

    Progress(PrintWriter err, boolean terminal, String label, long total, LongSupplier nanoTime) {
        this.err = err;
        this.terminal = terminal;
        this.label = label;
        this.total = total;
        this.nanoTime = nanoTime;
        this.started = nanoTime.getAsLong();
        this.lastDraw = started;
    }

    /** A report on {@code err}, as a bar when this process writes to a terminal. */
    static Progress on(PrintWriter err, String label, long total) {
        return new Progress(err, isTerminal(), label, total, System::nanoTime);
    }

    /** Counts {@code n} more messages done; redraws when due. */
    void advance(long n) {
        done += n;
        long now = nanoTime.getAsLong();
        if (now - lastDraw >= (terminal ? TERMINAL_EVERY_NANOS : PLAIN_EVERY_NANOS)) {
            lastDraw = now;
            draw(now);
        }
    }

    /** Messages done so far. */
    long done() {
        return done;
    }

    /** Draws the final state (unless a plain line just showed it) and ends the line. */
    void finish() {
        if (terminal || drawnDone != done) {
            draw(nanoTime.getAsLong());
        }
        if (terminal) {
            err.println();
        }
        err.flush();
    }

    /** Seconds since the report began. */
    double seconds() {
        return (nanoTime.getAsLong() - started) / 1e9;
    }

    private void draw(long now) {
        drawnDone = done;
        double secs = Math.max((now - started) / 1e9, 1e-3);
        long rate = Math.round(done / secs);
        int percent = total == 0 ? 100 : (int) Math.min(100, done * 100 / total);
        String counts = String.format(Locale.ROOT, "%,d/%,d messages (%d%%), %,d msg/s", done, total, percent, rate);
        if (terminal) {
            int filled = percent * BAR_WIDTH / 100;
            err.print("\r" + label + " [" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] " + counts + "   ");
        } else {
            err.println(label + ": " + counts);
        }
        err.flush();
    }

    /** True when the JVM's console is an interactive terminal ({@code Console.isTerminal()} from Java 22 on). */
    private static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 System.console() is null unless the process is on a terminal
        }
    }
}
