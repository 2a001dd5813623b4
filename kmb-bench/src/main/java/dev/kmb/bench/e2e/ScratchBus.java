package dev.kmb.bench.e2e;

import dev.kmb.bench.log.ScratchDir;
import dev.kmb.server.KmbServer;
import dev.kmb.server.LogBackend;
import dev.kmb.server.ServerConfig;
import java.net.URI;

/** A bus started in a scratch directory on a free loopback port, for a benchmark run; close stops and deletes it. */
public final class ScratchBus implements AutoCloseable {

    private final ScratchDir dir;
    private final KmbServer server;

    private ScratchBus(ScratchDir dir, KmbServer server) {
        this.dir = dir;
        this.server = server;
    }

    public static ScratchBus start() {
        ScratchDir dir = ScratchDir.create("kmb-bench-");
        try {
            return new ScratchBus(dir, KmbServer.start(new ServerConfig(ServerConfig.LOOPBACK, 0, dir.path(), false,
                    ServerConfig.DEFAULT_MAX_MESSAGE_BYTES)));
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * A bus in Kafka mode on {@code bootstrapServers} (its own topic prefix, so runs never meet), state in SQLite in the
     * scratch directory: one node, as {@code kmb serve --backend kafka} without a shared store.
     */
    public static ScratchBus startOnKafka(String bootstrapServers) {
        ScratchDir dir = ScratchDir.create("kmb-bench-kafka-");
        try {
            String prefix = "kmb-bench-" + java.util.UUID.randomUUID().toString().substring(0, 8) + ".";
            return new ScratchBus(dir, KmbServer.start(new ServerConfig(ServerConfig.LOOPBACK, 0, dir.path(), false,
                    ServerConfig.DEFAULT_MAX_MESSAGE_BYTES).withBackend(new LogBackend.Kafka(bootstrapServers, prefix,
                    "bench"))));
        } catch (RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    @Override
    public String toString() {
        return uri() + " (data in " + dir.path() + ")";
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            dir.close();
        }
    }
}
