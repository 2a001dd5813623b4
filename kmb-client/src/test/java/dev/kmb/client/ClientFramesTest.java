package dev.kmb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.MessageType;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ClientFramesTest {

    private final ObjectMapper json = new ObjectMapper();
    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final ClientFrames frames = new ClientFrames(codec, json);

    private static Envelope envelope(String payload) {
        return Envelope.builder(TopicName.of("a.b"), MessageType.EVENT, RawJson.of(payload)).key("k").build();
    }

    @Test
    void publishCarriesTheEnvelopeVerbatim() throws Exception {
        Envelope e = envelope("{\"x\": 1.50}");
        JsonNode frame = json.readTree(frames.publish(7, e));
        assertThat(frame.get("op").asText()).isEqualTo("publish");
        assertThat(frame.get("ref").asLong()).isEqualTo(7);
        Envelope back = codec.decode(json.writeValueAsBytes(frame.get("message")));
        assertThat(back.id()).isEqualTo(e.id());
        assertThat(new String(frames.publish(7, e), StandardCharsets.UTF_8)).contains("{\"x\": 1.50}"); // payload bytes untouched
    }

    @Test
    void batchPublishListsMessagesInOrder() throws Exception {
        JsonNode frame = json.readTree(frames.publishBatch(1, List.of(envelope("1"), envelope("2"))));
        assertThat(frame.get("messages")).hasSize(2);
        assertThat(frame.get("messages").get(1).get("payload").asInt()).isEqualTo(2);
    }

    @Test
    void settleAndSubscribeFrames() throws Exception {
        UUID id = UUID.randomUUID();
        JsonNode nack = json.readTree(frames.nack(3, "s1", List.of(id), Optional.of(Duration.ofMillis(1500))));
        assertThat(nack.get("op").asText()).isEqualTo("nack");
        assertThat(nack.get("ids").get(0).asText()).isEqualTo(id.toString());
        assertThat(nack.get("delay").asDouble()).isEqualTo(1.5);
        JsonNode sub = json.readTree(frames.subscribeEphemeral(4, "a.#", "earliest", Optional.of("a.b:0:5")));
        assertThat(sub.get("pattern").asText()).isEqualTo("a.#");
        assertThat(sub.get("cursor").asText()).isEqualTo("a.b:0:5");
        assertThat(json.readTree(frames.subscribeDurable(5, "orders")).get("subscription").asText()).isEqualTo("orders");
    }

    @Test
    void decodesOkWithAReceipt() {
        UUID id = UUID.randomUUID();
        ServerFrame f = frames.decode("{\"op\":\"ok\",\"ref\":9,\"id\":\"" + id + "\",\"topic\":\"a.b\",\"partition\":2,"
                + "\"offset\":41,\"timestamp\":\"2026-01-02T03:04:05.123Z\"}");
        ServerFrame.Ok ok = (ServerFrame.Ok) f;
        assertThat(ok.ref()).isEqualTo("9");
        Receipt r = ok.receipt().orElseThrow();
        assertThat(r.id()).isEqualTo(id);
        assertThat(r.partition()).isEqualTo(2);
        assertThat(r.offset()).isEqualTo(41);
        assertThat(r.timestamp()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123Z"));
        assertThat(r.duplicate()).isFalse();
    }

    @Test
    void decodesOkWithReceiptsAndSettleCounts() {
        UUID id = UUID.randomUUID();
        ServerFrame.Ok batch = (ServerFrame.Ok) frames.decode("{\"op\":\"ok\",\"ref\":\"r1\",\"receipts\":[{\"id\":\"" + id
                + "\",\"topic\":\"a.b\",\"partition\":0,\"offset\":1,\"timestamp\":\"2026-01-02T03:04:05Z\",\"duplicate\":true}]}");
        assertThat(batch.ref()).isEqualTo("\"r1\"");
        assertThat(batch.receipts()).singleElement().satisfies(r -> assertThat(r.duplicate()).isTrue());
        ServerFrame.Ok acked = (ServerFrame.Ok) frames.decode("{\"op\":\"ok\",\"ref\":2,\"acked\":3,\"unknown\":[\"" + id + "\"]}");
        assertThat(acked.settled()).isEqualTo(3);
        assertThat(acked.unknown()).containsExactly(id);
    }

    @Test
    void decodesErrorsWithTheirProblem() {
        ServerFrame.Error e = (ServerFrame.Error) frames.decode("{\"op\":\"error\",\"ref\":null,\"problem\":{\"type\":"
                + "\"https://kmb.dev/problems/bad_request\",\"title\":\"Bad request\",\"status\":400,\"detail\":\"no\","
                + "\"code\":\"bad_request\"}}");
        assertThat(e.ref()).isEmpty();
        assertThat(e.problem().code()).isEqualTo(ProblemCode.BAD_REQUEST);
    }

    @Test
    void decodesDeliveriesAsTheExactBytesSent() {
        String m1 = "{\"partition\":0,\"offset\":1,\"delivery_attempt\":1,\"id\":\"" + UUID.randomUUID()
                + "\",\"topic\":\"a.b\",\"type\":\"event\",\"payload\":{\"n\": 1, \"s\": \"é ✓ 😀\"}}";
        String m2 = m1.replace("\"offset\":1", "\"offset\":2");
        ServerFrame.Deliveries d = (ServerFrame.Deliveries) frames.decode("{\"op\":\"messages\",\"subscription\":\"s\","
                + "\"cursor\":\"a.b:0:2\",\"messages\":[" + m1 + "," + m2 + "]}");
        assertThat(d.subscription()).isEqualTo("s");
        assertThat(d.cursor()).isEqualTo("a.b:0:2");
        assertThat(d.messages()).extracting(b -> new String(b, StandardCharsets.UTF_8)).containsExactly(m1, m2);
        assertThat(codec.decodeDelivered(d.messages().get(1)).offset()).isEqualTo(2);
        ServerFrame.Deliveries one = (ServerFrame.Deliveries) frames.decode("{\"op\":\"message\",\"subscription\":\"s\","
                + "\"cursor\":\"c\",\"message\":" + m1 + "}");
        assertThat(one.messages()).hasSize(1);
    }

    @Test
    void unreadableFramesAreMalformed() {
        assertThatThrownBy(() -> frames.decode("[1]")).isInstanceOf(KmbException.class)
                .extracting(e -> ((KmbException) e).code()).isEqualTo(ProblemCode.MALFORMED_JSON);
        assertThatThrownBy(() -> frames.decode("{\"op\":\"what\"}")).isInstanceOf(KmbException.class);
    }
}
