package dev.kmb.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's CPU time so far from {@code /proc/stat}'s first line, split into what the hypervisor took from this
 * virtual machine (steal) and the total: a window with much steal measured a noisy machine, not the bus.
 *
 * @param steal ticks stolen by the hypervisor, over all CPUs
 * @param total ticks of every kind (user, nice, system, idle, iowait, irq, softirq, steal), over all CPUs
 */
public record StealProbe(long steal, long total) {

    private static final Path PROC_STAT = Path.of("/proc/stat");

    /** The counters now, or null where the system does not say (not Linux). */
    public static StealProbe now() {
        try {
            return parse(Files.readAllLines(PROC_STAT).getFirst());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Reads {@code cpu  user nice system idle iowait irq softirq steal …}; guest time is already in user. */
    static StealProbe parse(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        if (!f[0].equals("cpu") || f.length < 9) {
            throw new IllegalArgumentException("not the cpu line of /proc/stat: " + cpuLine);
        }
        long total = 0;
        for (int i = 1; i <= 8; i++) {
            total += Long.parseLong(f[i]);
        }
        return new StealProbe(Long.parseLong(f[8]), total);
    }

    /** The percentage of all CPU time stolen between {@code from} and this reading; null when either is unknown. */
    public Double percentSince(StealProbe from) {
        if (from == null || total <= from.total) {
            return null;
        }
        return 100.0 * (steal - from.steal) / (total - from.total);
    }
}
