package dev.kmb.bench.compare;

import dev.kmb.bench.e2e.BusDriver;
import dev.kmb.bench.e2e.CpuProbe;
import dev.kmb.bench.e2e.KmbDriver;
import dev.kmb.bench.e2e.LoadResult;
import dev.kmb.bench.e2e.LoadRun;
import dev.kmb.bench.e2e.ScratchBus;
import dev.kmb.bench.e2e.Workload;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;

/**
 * Runs one workload against systems one after another, each through {@link LoadRun}: an unmeasured priming
 * run (the first system in the JVM is otherwise measured with cold code: KMB went from ~1-3 k to ~26 k msgs/s
 * by running second), a max-rate phase, then a fixed-rate phase at 50 % of what that system reached. A local server that does not answer is skipped with
 * the command that starts it; Kafka is started in this JVM on first use and stopped on close. Not thread-safe.
 */
public final class Comparison implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Comparison.class);

    /** What a KMB row stands on until KMB's Kafka mode lands on main. */

    private final Workload workload;
    private final Duration prime;
    private final String kmbDurability;
    private final Consumer<String> progress;
    private final Consumer<String> notice;
    private InProcessKafka kafka;

    /**
     * @param workload      the one workload every system runs (its rate is ignored: phases set it)
     * @param kmbDurability KMB topic durability for the {@code kmb} row
     * @param prime         length of an unmeasured max-rate run before each system's phases (zero: none)
     * @param progress      the live progress line, about once a second
     * @param notice        whole lines for the user (skips and how to start a server)
     */
    public Comparison(Workload workload, String kmbDurability, Duration prime, Consumer<String> progress,
                      Consumer<String> notice) {
        this.workload = workload;
        this.prime = prime;
        this.kmbDurability = kmbDurability;
        this.progress = progress;
        this.notice = notice;
    }

    /** What stands behind a system for the length of its two phases. */
    private record Target(String durability, Supplier<BusDriver> drivers, CpuProbe cpu, Workload workload,
                          AutoCloseable resource) {
    }

    /** Runs both phases against {@code s}, or says why it was skipped; never throws for a failing system. */
    public ComparisonRow run(ComparedSystem s) {
        if (s.isExternal() && !reachable(s.host(), s.port())) {
            notice.accept(s.id() + ": nothing answers at " + s.host() + ":" + s.port() + "; start it with: "
                    + s.startCommand().orElseThrow());
            return skip(s, "-", "unreachable at " + s.host() + ":" + s.port() + " (start: " + s.startCommand().orElseThrow() + ")");
        }
        Target target;
        try {
            target = target(s);
        } catch (Exception e) {
            LOG.warn("{} could not be set up", s.id(), e);
            return skip(s, "-", "could not be set up: " + e);
        }
        try (AutoCloseable ignored = target.resource()) {
            if (!prime.isZero()) {
                // unmeasured: JIT-compiles the in-JVM code paths (KMB's whole bus, Kafka's broker, every client)
                // so the system measured first is not measured cold
                LoadRun.run(target.drivers().get(), target.workload().primer(prime), target.cpu(),
                        line -> progress.accept(String.format("%-14s prime %s", s.id(), line)));
            }
            LoadResult max = LoadRun.run(target.drivers().get(), target.workload(), target.cpu(),
                    line -> progress.accept(String.format("%-14s max   %s", s.id(), line)));
            long half = Math.max(1, (long) (max.bench().msgsPerSec() / 2));
            LoadResult fixed = LoadRun.run(target.drivers().get(), target.workload().atRate(half), target.cpu(),
                    line -> progress.accept(String.format("%-14s 50%%   %s", s.id(), line)));
            return ComparisonRow.measured(s.id(), target.durability(), max, fixed);
        } catch (Exception e) {
            LOG.warn("{} failed", s.id(), e);
            return skip(s, target.durability(), "failed: " + e);
        }
    }

    private ComparisonRow skip(ComparedSystem s, String durability, String reason) {
        notice.accept(s.id() + ": skipped, " + reason);
        return ComparisonRow.skipped(s.id(), durability, reason);
    }

    private Target target(ComparedSystem s) throws Exception {
        AutoCloseable none = () -> { };
        return switch (s) {
            case KMB, KMB_PERSISTENT -> {
                String durability = s == ComparedSystem.KMB ? kmbDurability : "persistent";
                ScratchBus bus = ScratchBus.start();
                yield new Target(durabilityOfKmb(durability), () -> new KmbDriver(bus.uri()), CpuProbe.jvm(),
                        withDurability(durability), bus);
            }
            case NATS -> new Target("JetStream file storage, 1 replica: PubAck once written to the OS, fsync every"
                    + " 2 min (nats-server default) ~ KMB durable", () -> new NatsDriver(s.host(), s.port()),
                    CpuProbe.processNamed(s.processName().orElseThrow()), workload, none);
            case RABBITMQ -> rabbit(s);
            case REDIS -> new Target(durabilityOfRedis(s), () -> new RedisStreamsDriver(s.host(), s.port()),
                    CpuProbe.processNamed(s.processName().orElseThrow()), workload, none);
            case KAFKA -> {
                InProcessKafka k = kafka();
                yield new Target(durabilityOfKafka(), () -> new KafkaDriver(k), CpuProbe.jvm(), workload, none);
            }
            case KMB_KAFKA -> {
                InProcessKafka k = kafka(); // the same broker the raw Kafka row runs on
                ScratchBus bus = ScratchBus.startOnKafka(k.bootstrapServers());
                yield new Target("KMB durable topic on Kafka: acks=all, idempotent producer, 1 broker in this JVM (no"
                        + " fsync) ~ the kafka row", () -> new KmbDriver(bus.uri()), CpuProbe.jvm(), withDurability("durable"),
                        bus);
            }
        };
    }

    private Workload withDurability(String durability) {
        return new Workload(workload.messageBytes(), workload.publishers(), workload.consumers(), workload.warmup(),
                workload.duration(), workload.transport(), workload.rate(), workload.partitions(), durability,
                workload.batch(), workload.nackPercent(), workload.dedup());
    }

    private Target rabbit(ComparedSystem s) throws Exception {
        String version = new RabbitMqDriver(s.host(), s.port(), false).serverVersion();
        boolean quorum = supportsQuorumQueues(version);
        String durability = quorum
                ? "quorum queue (RabbitMQ " + version + "): confirm after the Raft log is fsync'd ~ KMB persistent"
                : "classic durable queue, persistent messages (RabbitMQ " + version + "): confirm after write, fsync batched ~ KMB durable";
        return new Target(durability, () -> new RabbitMqDriver(s.host(), s.port(), quorum),
                CpuProbe.processNamed(s.processName().orElseThrow()), workload, () -> { });
    }

    /** Quorum queues came with RabbitMQ 3.8. */
    static boolean supportsQuorumQueues(String version) {
        String[] v = version.split("[.\\-+]");
        try {
            int major = Integer.parseInt(v[0]);
            int minor = v.length > 1 ? Integer.parseInt(v[1]) : 0;
            return major > 3 || (major == 3 && minor >= 8);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String durabilityOfKmb(String durability) {
        return switch (durability) {
            case "persistent" -> "KMB persistent: fsync (group commit) before the publish is acknowledged";
            case "ephemeral" -> "KMB ephemeral: memory only, at-most-once";
            default -> "KMB " + durability + ": in the log (OS page cache) before the ack, no fsync";
        };
    }

    private static String durabilityOfKafka() {
        return "acks=all, idempotent, 1 broker in this JVM: in the log (page cache) before the ack, no fsync ~ KMB durable";
    }

    private static String durabilityOfRedis(ComparedSystem s) {
        try (Jedis j = RedisStreamsDriver.open(s.host(), s.port())) {
            List<String> save = j.configGet("save").values().stream().toList();
            List<String> aof = j.configGet("appendonly").values().stream().toList();
            boolean none = save.stream().allMatch(String::isBlank) && aof.stream().allMatch("no"::equals);
            return none ? "none: this server runs without RDB or AOF (memory only) ~ KMB ephemeral"
                    : "server persistence save='" + String.join(",", save) + "' appendonly=" + String.join(",", aof)
                    + " (not fsync'd per ack)";
        } catch (RuntimeException e) {
            return "unknown (CONFIG GET failed: " + e.getMessage() + ")";
        }
    }

    private InProcessKafka kafka() throws Exception {
        if (kafka == null) {
            notice.accept("kafka: starting a one-node KRaft broker in this JVM");
            kafka = InProcessKafka.start();
        }
        return kafka;
    }

    static boolean reachable(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }
}
