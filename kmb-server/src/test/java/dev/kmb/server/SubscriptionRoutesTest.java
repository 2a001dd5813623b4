package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kmb.broker.Delivery;
import dev.kmb.broker.SubscriptionSession;
import dev.kmb.broker.spi.TenantId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable subscriptions over HTTP: CRUD, ack, nack, seek and the lag figures they move. */
class SubscriptionRoutesTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static SubscriptionSession attach(String name) {
        return server.server().context().broker().subscriptions().attach(TenantId.DEFAULT, name);
    }

    private static JsonNode lag(String name) {
        TestServer.Answer a = server.get("/v1/subscriptions/" + name + "/lag");
        assertThat(a.status()).isEqualTo(200);
        return a.json();
    }

    @Test
    void createdSubscriptionShowsItsSettingsInSecondsAndCanBeListedAndDeleted() {
        TestServer.Answer created = server.post("/v1/subscriptions", """
                {"name":"sub-crud","pattern":"crud.*.events","mode":"key_shared","start":"earliest",
                 "ack_timeout":2.5,"max_deliveries":5,"backoff":[0.5,2],"max_in_flight":10}""");
        assertThat(created.status()).isEqualTo(201);
        JsonNode s = created.json();
        assertThat(s.get("pattern").asText()).isEqualTo("crud.*.events");
        assertThat(s.get("mode").asText()).isEqualTo("key_shared");
        assertThat(s.get("start").asText()).isEqualTo("earliest");
        assertThat(s.get("ack_timeout").asDouble()).isEqualTo(2.5);
        assertThat(s.get("max_deliveries").asInt()).isEqualTo(5);
        assertThat(s.get("backoff").toString()).isEqualTo("[0.5,2]");
        assertThat(s.get("max_in_flight").asInt()).isEqualTo(10);

        assertThat(server.get("/v1/subscriptions").json().get("subscriptions").findValuesAsText("name")).contains("sub-crud");
        assertThat(server.get("/v1/subscriptions/sub-crud").json().get("mode").asText()).isEqualTo("key_shared");
        assertThat(server.delete("/v1/subscriptions/sub-crud").status()).isEqualTo(204);
        assertThat(server.get("/v1/subscriptions/sub-crud").code()).isEqualTo("subscription_not_found");
    }

    @Test
    void defaultsAreSharedLatestThirtySecondsThreeDeliveries() {
        JsonNode s = server.post("/v1/subscriptions", "{\"name\":\"sub-defaults\",\"pattern\":\"#\"}").json();
        assertThat(s.get("mode").asText()).isEqualTo("shared");
        assertThat(s.get("start").asText()).isEqualTo("latest");
        assertThat(s.get("ack_timeout").asInt()).isEqualTo(30);
        assertThat(s.get("max_deliveries").asInt()).isEqualTo(3);
        assertThat(s.get("backoff").toString()).isEqualTo("[1,5,15]");
        assertThat(s.get("ordering").asText()).isEqualTo("relaxed");
        assertThat(s.get("dead_letter_topic").asText()).isEqualTo("kmb.system.dlq");
        assertThat(s.get("dead_letter_expired").asBoolean()).isFalse();
        server.delete("/v1/subscriptions/sub-defaults");
    }

    @Test
    void deliveryPolicySettingsAreKeptAndOrderingDefaultsToStrictWhereOneMemberSeesAKey() {
        JsonNode keyShared = server.post("/v1/subscriptions",
                "{\"name\":\"sub-strict\",\"pattern\":\"#\",\"mode\":\"key_shared\"}").json();
        assertThat(keyShared.get("ordering").asText()).isEqualTo("strict");

        JsonNode custom = server.post("/v1/subscriptions", """
                {"name":"sub-dlq","pattern":"#","mode":"failover","ordering":"relaxed",
                 "dead_letter_topic":"orders.dead","dead_letter_expired":true}""").json();
        assertThat(custom.get("ordering").asText()).isEqualTo("relaxed");
        assertThat(custom.get("dead_letter_topic").asText()).isEqualTo("orders.dead");
        assertThat(server.get("/v1/subscriptions/sub-dlq").json().get("dead_letter_expired").asBoolean()).isTrue();
        server.delete("/v1/subscriptions/sub-strict");
        server.delete("/v1/subscriptions/sub-dlq");
    }

    @Test
    void lagCountsUnconsumedMessagesAndSeekMovesIt() {
        server.createTopic("lag.t", 2);
        server.post("/v1/subscriptions", "{\"name\":\"sub-lag\",\"pattern\":\"lag.t\"}");
        for (int i = 0; i < 10; i++) {
            server.publish("lag.t", "k" + i, "{\"i\":" + i + "}");
        }
        JsonNode lag = lag("sub-lag");
        assertThat(lag.get("pending").asLong()).isEqualTo(10);
        assertThat(lag.get("partitions")).hasSize(2);
        assertThat(lag.get("partitions").findValuesAsText("end_offset").stream().mapToLong(Long::parseLong).sum()).isEqualTo(10);
        assertThat(lag.at("/partitions/0/oldest_unacked_age").isNumber()).isTrue();

        TestServer.Answer seek = server.post("/v1/subscriptions/sub-lag/seek", "{\"to\":\"latest\"}");
        assertThat(seek.status()).isEqualTo(200);
        assertThat(lag("sub-lag").get("pending").asLong()).isZero();
        assertThat(lag("sub-lag").at("/partitions/0/oldest_unacked_age").isNull()).isTrue();

        server.post("/v1/subscriptions/sub-lag/seek", "{\"to\":\"earliest\"}");
        assertThat(lag("sub-lag").get("pending").asLong()).isEqualTo(10);
        server.post("/v1/subscriptions/sub-lag/seek", "{\"to\":\"3\"}");
        assertThat(lag("sub-lag").get("pending").asLong()).isLessThan(10);
    }

    @Test
    void ackSettlesDeliveredMessagesAndReportsUnknownIds() throws InterruptedException {
        server.createTopic("ack.t", 1);
        server.post("/v1/subscriptions", "{\"name\":\"sub-ack\",\"pattern\":\"ack.t\"}");
        for (int i = 0; i < 3; i++) {
            server.publish("ack.t", null, "{\"i\":" + i + "}");
        }
        try (SubscriptionSession member = attach("sub-ack")) {
            Delivery first = member.poll(Duration.ofSeconds(5)).orElseThrow();
            Delivery second = member.poll(Duration.ofSeconds(5)).orElseThrow();
            assertThat(lag("sub-ack").get("in_flight").asInt()).isGreaterThanOrEqualTo(2);
            String stranger = UUID.randomUUID().toString();
            TestServer.Answer acked = server.post("/v1/subscriptions/sub-ack/ack",
                    "{\"ids\":[\"" + first.id() + "\",\"" + second.id() + "\",\"" + stranger + "\"]}");
            assertThat(acked.status()).isEqualTo(200);
            assertThat(acked.json().get("acked").asInt()).isEqualTo(2);
            assertThat(acked.json().get("unknown").findValuesAsText("unknown")).isEmpty();
            assertThat(acked.json().get("unknown").get(0).asText()).isEqualTo(stranger);
            JsonNode lag = lag("sub-ack");
            assertThat(lag.get("pending").asLong()).isEqualTo(1);
            assertThat(lag.at("/partitions/0/ack_floor").asLong()).isEqualTo(2);
        }
    }

    @Test
    void nackWithDelayRedeliversWithTheNextAttempt() throws InterruptedException {
        server.createTopic("nack.t", 1);
        server.post("/v1/subscriptions", "{\"name\":\"sub-nack\",\"pattern\":\"nack.t\"}");
        server.publish("nack.t", null, "{\"i\":0}");
        try (SubscriptionSession member = attach("sub-nack")) {
            Delivery d = member.poll(Duration.ofSeconds(5)).orElseThrow();
            assertThat(d.attempt()).isEqualTo(1);
            TestServer.Answer nacked = server.post("/v1/subscriptions/sub-nack/nack", "{\"ids\":[\"" + d.id() + "\"],\"delay\":0.2}");
            assertThat(nacked.status()).isEqualTo(200);
            assertThat(nacked.json().get("nacked").asInt()).isEqualTo(1);
            assertThat(nacked.json().get("unknown")).isEmpty();
            Delivery again = member.poll(Duration.ofSeconds(5)).orElseThrow();
            assertThat(again.id()).isEqualTo(d.id());
            assertThat(again.attempt()).isEqualTo(2);
            assertThat(lag("sub-nack").at("/partitions/0/redelivered").asLong()).isEqualTo(1);
        }
    }
}
