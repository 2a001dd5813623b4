package dev.kmb.bench.e2e;

import dev.kmb.bench.log.ScratchDir;
import dev.kmb.server.KmbServer;
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
