package dev.kmb.bench.e2e;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Reads a server's CPU time so far, in nanoseconds: this JVM's (for a server started in-process) or the
 * local processes with a given name (from /proc/&lt;pid&gt;/stat). Thread-safe.
 */
@FunctionalInterface
public interface CpuProbe {

    /** Linux's USER_HZ: /proc/&lt;pid&gt;/stat counts CPU time in ticks of 1/100 s on every common kernel. */
    long TICKS_PER_SECOND = 100;

    /** CPU nanoseconds used so far, or -1 when unknown. */
    long cpuNanos();

    /** This JVM: the load generator plus any server running in it. */
    static CpuProbe jvm() {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os::getProcessCpuTime;
    }

    /** Every local process whose name ({@code /proc/<pid>/comm}) is {@code name}, summed; -1 when none runs. */
    static CpuProbe processNamed(String name) {
        return () -> {
            long ticks = -1;
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String pid = p.getFileName().toString();
                    if (!pid.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        if (Files.readString(p.resolve("comm")).strip().equals(name)) {
                            ticks = Math.max(ticks, 0) + cpuTicks(Files.readString(p.resolve("stat")));
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the process ended while we looked
                    }
                }
            } catch (IOException e) {
                return -1;
            }
            return ticks < 0 ? -1 : ticks * (1_000_000_000L / TICKS_PER_SECOND);
        };
    }

    /** utime + stime (fields 14 and 15) of a /proc/&lt;pid&gt;/stat line; the name in parentheses may hold spaces. */
    static long cpuTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state), so field n is f[n - 3]
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
