package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmb.broker.Delivery;
import dev.kmb.broker.SubscriptionSession;
import dev.kmb.broker.spi.TenantId;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A graceful stop and a start on the same data directory keep topics, subscriptions, messages and ack state. */
class GracefulRestartTest {

    @Test
    void topicsSubscriptionsOffsetsAndAcksSurviveARestart(@TempDir Path dir) throws InterruptedException {
        try (TestServer server = TestServer.start(dir)) {
            server.post("/v1/topics", "{\"name\":\"restart.t\",\"partitions\":2,\"retention\":{\"max_age\":86400}}");
            server.post("/v1/subscriptions", "{\"name\":\"restart-sub\",\"pattern\":\"restart.#\",\"mode\":\"failover\",\"start\":\"earliest\"}");
            for (int i = 0; i < 6; i++) {
                server.publish("restart.t", "k" + i, "{\"i\":" + i + "}");
            }
            try (SubscriptionSession member = server.server().context().broker().subscriptions().attach(TenantId.DEFAULT, "restart-sub")) {
                Delivery d = member.poll(Duration.ofSeconds(5)).orElseThrow();
                assertThat(server.post("/v1/subscriptions/restart-sub/ack", "{\"ids\":[\"" + d.id() + "\"]}").json().get("acked").asInt())
                        .isEqualTo(1);
            }
            assertThat(server.get("/v1/subscriptions/restart-sub/lag").json().get("pending").asLong()).isEqualTo(5);

            server.restart();

            JsonNode topic = server.get("/v1/topics/restart.t").json();
            assertThat(topic.get("partitions").asInt()).isEqualTo(2);
            assertThat(topic.at("/retention/max_age").asLong()).isEqualTo(86400);
            long end = topic.at("/partition_offsets/0/end_offset").asLong() + topic.at("/partition_offsets/1/end_offset").asLong();
            assertThat(end).isEqualTo(6);
            JsonNode sub = server.get("/v1/subscriptions/restart-sub").json();
            assertThat(sub.get("mode").asText()).isEqualTo("failover");
            assertThat(server.get("/v1/subscriptions/restart-sub/lag").json().get("pending").asLong())
                    .as("only the unacked messages are still pending").isEqualTo(5);
            assertThat(server.get("/v1/topics/restart.t/messages").json().get("messages")).hasSize(6);
            // publishing goes on from the old end offsets
            JsonNode receipt = server.publish("restart.t", "k0", "{\"i\":6}").json();
            JsonNode before = topic.get("partition_offsets").get(receipt.get("partition").asInt());
            assertThat(receipt.get("offset").asLong()).isEqualTo(before.get("end_offset").asLong());
        }
    }
}
