package dev.kmb.bench.compare;

import dev.kmb.bench.e2e.BusDriver;
import dev.kmb.bench.e2e.Payloads;
import dev.kmb.bench.e2e.Workload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntryBinary;

/**
 * Redis Streams through jedis: XADD into one stream (trimmed to about {@link #MAX_LEN} entries so memory stays
 * bounded), one consumer group read by C consumers with XREADGROUP, each batch acknowledged with one XACK.
 * Jedis is synchronous: a publisher waits for each XADD (a batch goes as one pipeline). Durability is whatever
 * the server runs with; the local one runs without persistence. Not thread-safe; one run per instance.
 */
final class RedisStreamsDriver implements BusDriver {

    /** Entries kept in the stream (approximate trim); consumers more than this far behind lose messages. */
    static final long MAX_LEN = 1_000_000;
    private static final byte[] FIELD = "p".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GROUP = "bench".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final List<Jedis> connections = new ArrayList<>();
    private final List<Thread> consumers = new ArrayList<>();
    private volatile boolean running = true;
    private byte[] key;

    RedisStreamsDriver(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** RESP2 stated up front: jedis warns on every connection that it cannot negotiate RESP3 itself. */
    static Jedis open(String host, int port) {
        return new Jedis(host, port, DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2)
                .timeoutMillis(5_000).build());
    }

    private synchronized Jedis connect() {
        Jedis j = open(host, port);
        connections.add(j);
        return j;
    }

    @Override
    public void open(Workload w, String runId, Delivery delivery) {
        key = ("kmb-bench-" + runId).getBytes(StandardCharsets.US_ASCII);
        connect().xgroupCreate(key, GROUP, "0".getBytes(StandardCharsets.US_ASCII), true);
        for (int i = 0; i < w.consumers(); i++) {
            Jedis j = connect();
            byte[] name = ("c" + i).getBytes(StandardCharsets.US_ASCII);
            consumers.add(Thread.ofPlatform().name("redis-consumer-" + i).start(() -> consume(j, name, delivery)));
        }
    }

    private void consume(Jedis j, byte[] name, Delivery delivery) {
        XReadGroupParams params = XReadGroupParams.xReadGroupParams().count(500).block(100);
        Map<byte[], StreamEntryID> from = Map.of(key, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY);
        while (running) {
            List<Map.Entry<byte[], List<StreamEntryBinary>>> read;
            try {
                read = j.xreadGroupBinary(GROUP, name, params, from);
            } catch (RuntimeException e) {
                if (running) {
                    throw e;
                }
                return;
            }
            if (read == null) {
                continue;
            }
            for (Map.Entry<byte[], List<StreamEntryBinary>> stream : read) {
                List<StreamEntryBinary> entries = stream.getValue();
                byte[][] ids = new byte[entries.size()][];
                for (int i = 0; i < ids.length; i++) {
                    StreamEntryBinary e = entries.get(i);
                    delivery.received(Payloads.sentAt(e.getFields().values().iterator().next()));
                    ids[i] = e.getID().toString().getBytes(StandardCharsets.US_ASCII);
                }
                if (ids.length > 0) {
                    j.xack(key, GROUP, ids);
                }
            }
        }
    }

    @Override
    public Publisher publisher(int index) {
        Jedis j = connect();
        XAddParams params = XAddParams.xAddParams().maxLen(MAX_LEN).approximateTrimming();
        return new Publisher() {
            @Override
            public CompletionStage<?> publish(List<byte[]> payloads) {
                try {
                    if (payloads.size() == 1) {
                        j.xadd(key, params, Map.of(FIELD, payloads.get(0)));
                    } else {
                        Pipeline p = j.pipelined();
                        for (byte[] payload : payloads) {
                            p.xadd(key, params, Map.of(FIELD, payload));
                        }
                        p.sync();
                    }
                    return CompletableFuture.completedFuture(null);
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public void close() {
                // closed with the driver
            }
        };
    }

    @Override
    public void close() throws Exception {
        running = false;
        for (Thread t : consumers) {
            t.join(2_000);
        }
        try {
            if (key != null) {
                try (Jedis j = open(host, port)) {
                    j.del(key);
                }
            }
        } finally {
            connections.forEach(Jedis::close);
            connections.clear();
        }
    }
}
