package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Topic CRUD over HTTP against a real server. */
class TopicRoutesTest {

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

    @Test
    void createdTopicIsListedAndShowsItsConfigInSnakeCase() {
        TestServer.Answer created = server.post("/v1/topics", """
                {"name":"crud.orders","partitions":3,"durability":"durable",
                 "retention":{"max_age":3600,"max_messages":1000},"compression":"gzip"}""");
        assertThat(created.status()).isEqualTo(201);
        JsonNode t = created.json();
        assertThat(t.get("name").asText()).isEqualTo("crud.orders");
        assertThat(t.get("partitions").asInt()).isEqualTo(3);
        assertThat(t.get("durability").asText()).isEqualTo("durable");
        assertThat(t.get("compression").asText()).isEqualTo("gzip");
        assertThat(t.at("/retention/max_age").asLong()).isEqualTo(3600);
        assertThat(t.at("/retention/max_messages").asLong()).isEqualTo(1000);
        assertThat(t.at("/retention/max_bytes").isNull()).isTrue();
        assertThat(t.get("created_at").asText()).isNotEmpty();
        assertThat(t.get("partition_offsets")).hasSize(3);
        assertThat(t.at("/partition_offsets/2/end_offset").asLong()).isZero();

        JsonNode list = server.get("/v1/topics").json();
        assertThat(list.get("topics").findValuesAsText("name")).contains("crud.orders");
        assertThat(server.get("/v1/topics/crud.orders").json().get("partitions").asInt()).isEqualTo(3);
    }

    @Test
    void defaultsArePersistentOnePartitionKeptForever() {
        JsonNode t = server.post("/v1/topics", "{\"name\":\"crud.defaults\"}").json();
        assertThat(t.get("durability").asText()).isEqualTo("persistent");
        assertThat(t.get("partitions").asInt()).isEqualTo(1);
        assertThat(t.at("/retention/max_age").isNull()).isTrue();
        assertThat(t.get("compression").asText()).isEqualTo("none");
    }

    @Test
    void patchChangesOnlyTheGivenFieldsAndEndOffsetsFollowPublishes() {
        server.createTopic("crud.patch", 1);
        server.publish("crud.patch", null, "1");
        TestServer.Answer patched = server.patch("/v1/topics/crud.patch", "{\"partitions\":4,\"retention\":{\"max_bytes\":1048576}}");
        assertThat(patched.status()).isEqualTo(200);
        JsonNode t = patched.json();
        assertThat(t.get("partitions").asInt()).isEqualTo(4);
        assertThat(t.get("durability").asText()).isEqualTo("durable");
        assertThat(t.at("/retention/max_bytes").asLong()).isEqualTo(1048576);
        assertThat(t.at("/partition_offsets/0/end_offset").asLong()).isEqualTo(1);
        assertThat(t.get("updated_at").asText()).isGreaterThanOrEqualTo(t.get("created_at").asText());
    }

    @Test
    void deletedTopicIsGoneAndItsNameCanBeReused() {
        server.createTopic("crud.gone", 1);
        server.publish("crud.gone", null, "1");
        assertThat(server.delete("/v1/topics/crud.gone").status()).isEqualTo(204);
        assertThat(server.get("/v1/topics/crud.gone").code()).isEqualTo("topic_not_found");
        assertThat(server.get("/v1/topics").json().get("topics").findValuesAsText("name")).doesNotContain("crud.gone");
        JsonNode again = server.createTopic("crud.gone", 1).json();
        assertThat(again.at("/partition_offsets/0/end_offset").asLong()).isZero();
    }
}
