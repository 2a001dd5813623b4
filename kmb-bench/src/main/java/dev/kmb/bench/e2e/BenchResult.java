package dev.kmb.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one run measured, over the measurement window (after warm-up): {@code published} is the messages
 * confirmed that were published in it, {@code received} (and msgs/s, MB/s) the consumer receipts inside it.
 * Latency is from the publish call to the consumer's receipt, in milliseconds, for messages published in it. CPU is the harness process (server included when the harness
 * started it), in percent of all cores. {@code drift} is the window's second half's receipts over its first half's:
 * near 1 when the rate was steady, well above 1 when the run was still warming up (the JIT still compiling the hot
 * paths), below 1 when it slowed down; {@code stealPercent} is the share of all CPUs' time the hypervisor took from
 * this virtual machine during the window ({@code /proc/stat}). Both are null when unknown (results saved before they
 * were measured, or no {@code /proc}).
 */
public record BenchResult(String workload, double seconds, long published, long received, double msgsPerSec,
                          double mbPerSec, double p50Ms, double p99Ms, double p999Ms, double maxMs, double cpuPercent,
                          long publishErrors, Double drift, Double stealPercent) {

    /** How far {@link #drift} may stray from 1 before the run is called unsteady. */
    public static final double STEADY_WITHIN = 0.10;
    /** The share of the machine's CPU time the hypervisor may take before a run is called noisy. */
    public static final double QUIET_STEAL_PERCENT = 5;

    /** False when the rate changed by more than {@link #STEADY_WITHIN} between the window's halves. */
    public boolean steady() {
        return drift == null || Math.abs(drift - 1) <= STEADY_WITHIN;
    }

    /** False when the hypervisor took more than {@link #QUIET_STEAL_PERCENT} of the machine's CPU time. */
    public boolean quiet() {
        return stealPercent == null || stealPercent <= QUIET_STEAL_PERCENT;
    }

    /** Lines saying the run was not steady or the machine not quiet, and what that means; empty when neither. */
    public List<String> notes() {
        List<String> notes = new ArrayList<>(2);
        if (!steady()) {
            notes.add(String.format(Locale.ROOT, "note: %s was not steady: its second half received %.2f x its first"
                    + " half's messages; %s", workload, drift, drift > 1
                    ? "it was still speeding up (warming up): a longer --prime or --warmup measures the steady state"
                    : "it slowed down (other load on the machine, GC, or a backlog building): rerun and compare"));
        }
        if (!quiet()) {
            notes.add(String.format(Locale.ROOT, "note: during %s the hypervisor took %.0f %% of this machine's CPU"
                    + " time (steal): the figures measure a noisy machine; compare only runs taken side by side", workload,
                    stealPercent));
        }
        return notes;
    }
}
