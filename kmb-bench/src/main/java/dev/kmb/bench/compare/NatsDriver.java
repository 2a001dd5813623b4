package dev.kmb.bench.compare;

import dev.kmb.bench.e2e.BusDriver;
import dev.kmb.bench.e2e.Payloads;
import dev.kmb.bench.e2e.Workload;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStream;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NATS JetStream through jnats: a file-storage stream of one replica, async publish awaiting each PubAck, and
 * C connections consuming one durable pull consumer with explicit ack. Not thread-safe; one run per instance.
 */
final class NatsDriver implements BusDriver {

    /**
     * jnats reports through java.util.logging by default; the pull consumers' "consumer deleted" status at the
     * end of every run is expected, so everything goes to SLF4J at debug.
     */
    private static final ErrorListener QUIET = new ErrorListener() {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.debug("nats error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.debug("nats exception", exp);
        }

        @Override
        public void pullStatusError(Connection conn, JetStreamSubscription sub, Status status) {
            LOG.debug("nats pull status {}", status);
        }

        @Override
        public void pullStatusWarning(Connection conn, JetStreamSubscription sub, Status status) {
            LOG.debug("nats pull status {}", status);
        }
    };
    private static final Logger LOG = LoggerFactory.getLogger(NatsDriver.class);

    private final String url;
    private final List<Connection> connections = new ArrayList<>();
    private final List<MessageConsumer> consumers = new ArrayList<>();
    private String stream;
    private String subject;

    NatsDriver(String host, int port) {
        this.url = "nats://" + host + ":" + port;
    }

    private Connection connect() throws Exception {
        Connection c = Nats.connect(new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5))
                .noReconnect().errorListener(QUIET).build());
        connections.add(c);
        return c;
    }

    @Override
    public void open(Workload w, String runId, Delivery delivery) throws Exception {
        stream = "KMB_BENCH_" + runId;
        subject = "bench." + runId;
        Connection admin = connect();
        admin.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(subject)
                .storageType(StorageType.File).replicas(1).build());
        String durable = "bench-" + runId;
        admin.getStreamContext(stream).createOrUpdateConsumer(ConsumerConfiguration.builder().durable(durable)
                .ackPolicy(AckPolicy.Explicit).maxAckPending(20_000).build());
        for (int i = 0; i < w.consumers(); i++) {
            ConsumerContext cc = connect().getConsumerContext(stream, durable);
            consumers.add(cc.consume(msg -> {
                delivery.received(Payloads.sentAt(msg.getData()));
                msg.ack();
            }));
        }
    }

    @Override
    public Publisher publisher(int index) throws Exception {
        JetStream js = connect().jetStream();
        return new Publisher() {
            @Override
            public CompletionStage<?> publish(List<byte[]> payloads) {
                if (payloads.size() == 1) {
                    return js.publishAsync(subject, payloads.get(0));
                }
                List<CompletableFuture<?>> acks = new ArrayList<>(payloads.size());
                for (byte[] p : payloads) {
                    acks.add(js.publishAsync(subject, p));
                }
                return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
            }

            @Override
            public void close() {
                // closed with the driver
            }
        };
    }

    @Override
    public void close() throws Exception {
        for (MessageConsumer c : consumers) {
            c.stop();
        }
        consumers.clear();
        try {
            if (stream != null && !connections.isEmpty()) {
                connections.get(0).jetStreamManagement().deleteStream(stream);
            }
        } finally {
            for (Connection c : connections) {
                c.close();
            }
            connections.clear();
        }
    }
}
