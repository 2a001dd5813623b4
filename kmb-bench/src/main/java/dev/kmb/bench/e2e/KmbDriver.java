package dev.kmb.bench.e2e;

import dev.kmb.client.KmbClient;
import dev.kmb.client.KmbConnection;
import dev.kmb.client.Message;
import dev.kmb.core.Envelope;
import dev.kmb.core.MessageType;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * KMB through its Java SDK: a topic of {@code w.partitions()} partitions at {@code w.durability()}, one shared
 * subscription with C WebSocket consumers acking each message (nacking {@code w.nackPercent()} % of first
 * deliveries), and publishers over WebSocket frames or HTTP batches. Not thread-safe; one run per instance.
 */
public final class KmbDriver implements BusDriver {

    private final URI base;
    private final BusAdmin admin;
    private final List<KmbConnection> connections = new ArrayList<>();
    private Workload workload;
    private KmbClient client;
    private TopicName topic;
    private String subscription;

    public KmbDriver(URI base) {
        this.base = base;
        this.admin = new BusAdmin(base);
    }

    @Override
    public void open(Workload w, String runId, Delivery delivery) throws Exception {
        this.workload = w;
        String topicName = "bench.run-" + runId;
        admin.send("POST", "/v1/topics", "{\"name\":\"" + topicName + "\",\"partitions\":" + w.partitions()
                + ",\"durability\":\"" + w.durability() + "\",\"dedup_window\":" + (w.dedup() ? "120" : "0") + "}");
        topic = TopicName.of(topicName);
        subscription = "bench-" + runId;
        admin.send("POST", "/v1/subscriptions", "{\"name\":\"" + subscription + "\",\"pattern\":\"" + topicName
                + "\",\"mode\":\"shared\",\"start\":\"latest\",\"ack_timeout\":60,\"max_in_flight\":4000}");
        client = KmbClient.builder(base).maxInFlight(2048).build();
        for (int c = 0; c < w.consumers(); c++) {
            KmbConnection conn = client.connect();
            connections.add(conn);
            conn.subscribe(subscription, (Message m) -> {
                if (m.attempt() == 1 && Math.floorMod(m.id().getLeastSignificantBits(), 100) < w.nackPercent()) {
                    m.nack(); // redelivered after the subscription's first backoff step; counted when acked
                    return;
                }
                delivery.received(Payloads.sentAt(m.payload()));
                m.ack();
            }).get(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public Publisher publisher(int index) {
        KmbConnection conn = workload.transport() == Workload.Transport.WS ? client.connect() : null;
        if (conn != null) {
            connections.add(conn);
        }
        return new Publisher() {
            @Override
            public CompletionStage<?> publish(List<byte[]> payloads) {
                List<Envelope> batch = new ArrayList<>(payloads.size());
                for (byte[] p : payloads) {
                    batch.add(Envelope.builder(topic, MessageType.EVENT, RawJson.of(p)).build());
                }
                return conn != null ? conn.publishBatch(batch) : client.publishBatchAsync(batch);
            }

            @Override
            public void close() {
                // the connection closes with the driver, after the consumers drained
            }
        };
    }

    @Override
    public void close() throws Exception {
        connections.forEach(KmbConnection::close);
        connections.clear();
        if (client != null) {
            client.close();
        }
        if (subscription != null) {
            admin.send("DELETE", "/v1/subscriptions/" + subscription, null);
        }
        if (topic != null) {
            admin.send("DELETE", "/v1/topics/" + topic.value(), null);
        }
    }
}
