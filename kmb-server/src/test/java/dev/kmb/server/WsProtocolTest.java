package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.Delivery;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.TopicName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class WsProtocolTest {

    private final ObjectMapper json = new ObjectMapper();
    private final WsProtocol protocol = new WsProtocol(json);
    private final WsFrames frames = new WsFrames(json);

    @Test
    void publishKeepsEachEnvelopeAsSentWhateverTheFieldOrder() {
        String env = "{\"topic\":\"a.b\",\"type\":\"event\",\"payload\":{\"x\": 1.50e0, \"s\":\"é\"}}";
        ClientFrame.Publish p = (ClientFrame.Publish) protocol.parse("{\"message\":" + env + ",\"ref\":\"r\",\"op\":\"publish\"}");
        assertThat(p.ref()).isEqualTo("\"r\"");
        assertThat(p.batch()).isFalse();
        assertThat(new String(p.envelopes().get(0), StandardCharsets.UTF_8)).isEqualTo(env);
        ClientFrame.Publish batch = (ClientFrame.Publish) protocol.parse("{\"op\":\"publish\",\"ref\":1,\"messages\":[" + env + "," + env + "]}");
        assertThat(batch.batch()).isTrue();
        assertThat(batch.envelopes()).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly(env, env);
        ClientFrame.Publish binary = (ClientFrame.Publish) protocol.parse(("{\"op\":\"publish\",\"ref\":2,\"messages\":["
                + env + "," + env + "]}").getBytes(StandardCharsets.UTF_8)); // a binary message: the same bytes
        assertThat(binary.envelopes()).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly(env, env);
    }

    @Test
    void subscribeDurableOrEphemeral() {
        ClientFrame.Subscribe d = (ClientFrame.Subscribe) protocol.parse("{\"op\":\"subscribe\",\"ref\":1,\"subscription\":\"s\"}");
        assertThat(d.subscription()).contains("s");
        assertThat(d.pattern()).isEmpty();
        ClientFrame.Subscribe e = (ClientFrame.Subscribe) protocol.parse(
                "{\"op\":\"subscribe\",\"ref\":2,\"pattern\":\"a.#\",\"start\":\"earliest\",\"cursor\":\"a.b:0:3\"}");
        assertThat(e.pattern().orElseThrow().value()).isEqualTo("a.#");
        assertThat(e.start()).isEqualTo(StartPosition.EARLIEST);
        assertThat(e.resume()).contains("a.b:0:3");
    }

    @Test
    void nackCarriesIdsAndDelay() {
        UUID id = UUID.randomUUID();
        ClientFrame.Nack n = (ClientFrame.Nack) protocol.parse("{\"op\":\"nack\",\"ref\":3,\"subscription\":\"s\",\"ids\":[\""
                + id + "\"],\"delay\":0.25}");
        assertThat(n.ids()).containsExactly(id);
        assertThat(n.delay()).contains(Duration.ofMillis(250));
        assertThat(n.reason()).isEmpty();
    }

    @Test
    void termCarriesIdsAndAReasonAndRefusesADelayOrAnOverlongReason() {
        UUID id = UUID.randomUUID();
        ClientFrame.Term t = (ClientFrame.Term) protocol.parse("{\"op\":\"term\",\"ref\":4,\"subscription\":\"s\",\"ids\":[\""
                + id + "\"],\"reason\":\"bad schema\"}");
        assertThat(t.ids()).containsExactly(id);
        assertThat(t.reason()).contains("bad schema");
        assertThatThrownBy(() -> protocol.parse("{\"op\":\"term\",\"ref\":5,\"subscription\":\"s\",\"ids\":[],\"delay\":1}"))
                .isInstanceOfSatisfying(FrameException.class,
                        e -> assertThat(e.problem().errors()).extracting(f -> f.pointer()).containsExactly("/delay"));
        assertThatThrownBy(() -> protocol.parse("{\"op\":\"nack\",\"ref\":6,\"subscription\":\"s\",\"ids\":[],\"reason\":\""
                + "x".repeat(1025) + "\"}"))
                .isInstanceOfSatisfying(FrameException.class,
                        e -> assertThat(e.problem().errors()).extracting(f -> f.pointer()).containsExactly("/reason"));
    }

    @Test
    void everyFieldErrorIsReportedWithTheRefEvenWhenTheRefComesLast() {
        assertThatThrownBy(() -> protocol.parse("{\"op\":\"ack\",\"ids\":[1,\"x\"],\"extra\":true,\"ref\":9}"))
                .isInstanceOfSatisfying(FrameException.class, e -> {
                    assertThat(e.ref()).contains("9");
                    assertThat(e.problem().code()).isEqualTo(ProblemCode.BAD_REQUEST);
                    assertThat(e.problem().errors()).extracting(f -> f.pointer())
                            .contains("/ids/0", "/ids/1", "/extra", "/subscription");
                });
    }

    @Test
    void malformedFramesUnknownOpsAndMissingRefs() {
        assertThatThrownBy(() -> protocol.parse("{\"op\":")).isInstanceOfSatisfying(FrameException.class,
                e -> assertThat(e.problem().code()).isEqualTo(ProblemCode.MALFORMED_JSON));
        assertThatThrownBy(() -> protocol.parse("{\"op\":\"fly\",\"ref\":1}")).isInstanceOfSatisfying(FrameException.class,
                e -> assertThat(e.problem().errors()).extracting(f -> f.pointer()).containsExactly("/op"));
        assertThatThrownBy(() -> protocol.parse("{\"op\":\"ping\"}")).isInstanceOfSatisfying(FrameException.class,
                e -> assertThat(e.ref()).isEmpty());
        assertThatThrownBy(() -> protocol.parse("{\"op\":\"ping\",\"ref\":{}}")).isInstanceOf(FrameException.class);
    }

    @Test
    void deliveriesShareAFrameWhenBatched() throws Exception {
        Delivery a = delivery(1);
        Delivery b = delivery(2);
        JsonNode one = json.readTree(WsFrames.deliveries("s", List.of(a)));
        assertThat(one.get("op").asText()).isEqualTo("message");
        assertThat(one.get("message").get("offset").asInt()).isEqualTo(1);
        JsonNode two = json.readTree(WsFrames.deliveries("s", List.of(a, b)));
        assertThat(two.get("op").asText()).isEqualTo("messages");
        assertThat(two.get("messages")).hasSize(2);
        assertThat(two.get("cursor").asText()).isEqualTo("t.x:0:2");
    }

    @Test
    void errorFramesEchoTheRefOrNull() throws Exception {
        JsonNode e = json.readTree(frames.error(Optional.of("\"r\""), Problem.of(ProblemCode.CONFLICT, "taken")));
        assertThat(e.get("ref").asText()).isEqualTo("r");
        assertThat(e.get("problem").get("status").asInt()).isEqualTo(409);
        assertThat(json.readTree(frames.error(Optional.empty(), Problem.of(ProblemCode.BAD_REQUEST, "x"))).get("ref").isNull()).isTrue();
    }

    private static Delivery delivery(long offset) {
        String body = "{\"partition\":0,\"offset\":" + offset + ",\"topic\":\"t.x\",\"payload\":{}}";
        return new Delivery(UUID.randomUUID(), "s", TopicName.of("t.x"), 0, offset, 1, "t.x:0:" + offset,
                body.getBytes(StandardCharsets.UTF_8));
    }
}
