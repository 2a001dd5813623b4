package dev.kmb.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.kmb.bench.e2e.CpuProbe;
import dev.kmb.bench.e2e.LoadResult;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Each peer driver against the server running on this machine, with a few hundred messages; skipped with a
 * message when the server is down (failed under {@code KMB_REQUIRE_SERVICES=1}).
 */
@Tag("services")
class PeerDriversTest {

    @Test
    void natsJetStreamDeliversEverythingAndDeletesItsStream() throws Exception {
        ComparedSystem s = ComparedSystem.NATS;
        Services.require(s);
        LoadResult r = DriverContract.deliversEverything(() -> new NatsDriver(s.host(), s.port()),
                CpuProbe.processNamed("nats-server"));
        assertThat(r.serverCpuPercent()).isGreaterThanOrEqualTo(0); // the server's own process was found
        DriverContract.cleansUp(() -> new NatsDriver(s.host(), s.port()), runId -> {
            try (io.nats.client.Connection c = Nats.connect("nats://" + s.host() + ":" + s.port())) {
                c.jetStreamManagement().getStreamInfo("KMB_BENCH_" + runId);
                return true;
            } catch (JetStreamApiException notFound) {
                return false;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void rabbitMqQuorumQueueDeliversEverythingAndIsDeleted() throws Exception {
        ComparedSystem s = ComparedSystem.RABBITMQ;
        Services.require(s);
        boolean quorum = Comparison.supportsQuorumQueues(new RabbitMqDriver(s.host(), s.port(), false).serverVersion());
        LoadResult r = DriverContract.deliversEverything(() -> new RabbitMqDriver(s.host(), s.port(), quorum),
                CpuProbe.processNamed("beam.smp"));
        assertThat(r.serverCpuPercent()).isGreaterThanOrEqualTo(0);
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(s.host());
        f.setPort(s.port());
        DriverContract.cleansUp(() -> new RabbitMqDriver(s.host(), s.port(), quorum), runId -> {
            try (Connection c = f.newConnection(); Channel ch = c.createChannel()) {
                ch.queueDeclarePassive("kmb-bench-" + runId);
                return true;
            } catch (IOException notFound) {
                return false; // a passive declare of a missing queue closes the channel with 404
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void redisStreamsDeliversEverythingAndDeletesItsStream() throws Exception {
        ComparedSystem s = ComparedSystem.REDIS;
        Services.require(s);
        LoadResult r = DriverContract.deliversEverything(() -> new RedisStreamsDriver(s.host(), s.port()),
                CpuProbe.processNamed("redis-server"));
        assertThat(r.serverCpuPercent()).isGreaterThanOrEqualTo(0);
        DriverContract.cleansUp(() -> new RedisStreamsDriver(s.host(), s.port()), runId -> {
            try (Jedis j = RedisStreamsDriver.open(s.host(), s.port())) {
                return j.exists(("kmb-bench-" + runId).getBytes(StandardCharsets.US_ASCII));
            }
        });
    }
}
