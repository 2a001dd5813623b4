package dev.kmb.bench.compare;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import dev.kmb.bench.e2e.BusDriver;
import dev.kmb.bench.e2e.Payloads;
import dev.kmb.bench.e2e.Workload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * RabbitMQ through amqp-client: one durable queue (a quorum queue when {@code quorum}, else classic), persistent
 * messages through the default exchange with publisher confirms awaited asynchronously, and C consumers with
 * manual ack and a prefetch. One connection per publisher and per consumer. Not thread-safe; one run per instance.
 */
final class RabbitMqDriver implements BusDriver {

    /** Unacked deliveries each consumer may hold. */
    static final int PREFETCH = 500;

    private final ConnectionFactory factory = new ConnectionFactory();
    private final boolean quorum;
    private final List<Connection> connections = new ArrayList<>();
    private String queue;

    RabbitMqDriver(String host, int port, boolean quorum) {
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername("guest");
        factory.setPassword("guest");
        factory.setConnectionTimeout(5_000);
        this.quorum = quorum;
    }

    /** The server's version, as it announces itself on connect. */
    String serverVersion() throws Exception {
        try (Connection c = factory.newConnection("kmb-bench-probe")) {
            return String.valueOf(c.getServerProperties().get("version"));
        }
    }

    @Override
    public void open(Workload w, String runId, Delivery delivery) throws Exception {
        queue = "kmb-bench-" + runId;
        Connection admin = factory.newConnection("kmb-bench-admin");
        connections.add(admin);
        try (Channel ch = admin.createChannel()) {
            Map<String, Object> args = quorum ? Map.of("x-queue-type", "quorum") : Map.of();
            ch.queueDeclare(queue, true, false, false, args);
        }
        for (int i = 0; i < w.consumers(); i++) {
            Connection c = factory.newConnection("kmb-bench-consumer-" + i);
            connections.add(c);
            Channel ch = c.createChannel();
            ch.basicQos(PREFETCH);
            ch.basicConsume(queue, false, (tag, msg) -> {
                delivery.received(Payloads.sentAt(msg.getBody()));
                ch.basicAck(msg.getEnvelope().getDeliveryTag(), false);
            }, tag -> { });
        }
    }

    @Override
    public Publisher publisher(int index) throws Exception {
        Connection c = factory.newConnection("kmb-bench-publisher-" + index);
        connections.add(c);
        Channel ch = c.createChannel();
        ch.confirmSelect();
        ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending = new ConcurrentSkipListMap<>();
        ch.addConfirmListener((seq, multiple) -> settle(pending, seq, multiple, null),
                (seq, multiple) -> settle(pending, seq, multiple, new IOException("nacked by the broker")));
        AMQP.BasicProperties props = MessageProperties.PERSISTENT_BASIC;
        return new Publisher() {
            @Override
            public CompletionStage<?> publish(List<byte[]> payloads) {
                List<CompletableFuture<Void>> confirms = new ArrayList<>(payloads.size());
                try {
                    for (byte[] p : payloads) {
                        CompletableFuture<Void> f = new CompletableFuture<>();
                        pending.put(ch.getNextPublishSeqNo(), f);
                        confirms.add(f);
                        ch.basicPublish("", queue, props, p);
                    }
                } catch (IOException e) {
                    return CompletableFuture.failedFuture(e);
                }
                return confirms.size() == 1 ? confirms.get(0)
                        : CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new));
            }

            @Override
            public void close() {
                // closed with the driver
            }
        };
    }

    private static void settle(ConcurrentNavigableMap<Long, CompletableFuture<Void>> pending, long seq,
                               boolean multiple, Exception failure) {
        Map<Long, CompletableFuture<Void>> done = multiple ? pending.headMap(seq, true) : pending.subMap(seq, true, seq, true);
        for (var it = done.values().iterator(); it.hasNext(); ) {
            CompletableFuture<Void> f = it.next();
            it.remove();
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure);
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (queue != null && !connections.isEmpty()) {
                try (Channel ch = connections.get(0).createChannel()) {
                    ch.queueDelete(queue);
                }
            }
        } finally {
            for (Connection c : connections) {
                c.abort(2_000);
            }
            connections.clear();
        }
    }
}
