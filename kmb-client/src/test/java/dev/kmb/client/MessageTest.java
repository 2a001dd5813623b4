package dev.kmb.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A delivered message read lazily: head fields at once, the envelope on first use, with the same answers as a full decode. */
class MessageTest {

    private final JsonFactory factory = new JsonFactory();
    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final UUID id = UUID.fromString("0197a1c2-7d4e-7000-8000-000000000042");

    private Message message(String payload, String topic) {
        byte[] json = ("{\"partition\":2,\"offset\":41,\"delivery_attempt\":3,\"subscription\":\"s\",\"id\":\"" + id
                + "\",\"timestamp\":\"2026-11-21T10:00:00.123Z\",\"topic\":\"" + topic + "\",\"type\":\"event\",\"key\":\"k\","
                + "\"payload\":" + payload + ",\"metadata\":{\"priority\":\"high\"}}").getBytes(StandardCharsets.UTF_8);
        return new Message(DeliveryHead.read(factory, json), json, null, codec);
    }

    @Test
    void headFieldsAndPayloadComeWithoutAFullDecodeAndAgreeWithIt() {
        for (String payload : new String[] {"{\"s\": \"é ✓ 😀\", \"n\": [1, 2.50]}", "[1, {\"a\": \"]\"}]", "\"just text\"", "42", "null"}) {
            Message m = message(payload, "orders.created");
            assertThat(m.id()).isEqualTo(id);
            assertThat(m.partition()).isEqualTo(2);
            assertThat(m.offset()).isEqualTo(41);
            assertThat(m.attempt()).isEqualTo(3);
            assertThat(m.payload()).as(payload).isEqualTo(payload).isEqualTo(m.envelope().payload().asString());
            assertThat(m.topic().value()).isEqualTo("orders.created");
            assertThat(m.key()).contains("k");
        }
    }

    @Test
    void anInvalidEnvelopeStillHasItsHeadButFailsWhenItsFieldsAreAskedFor() {
        Message m = message("{}", "Not A Topic");
        assertThat(m.id()).isEqualTo(id); // so the consumer can still settle it
        assertThat(m.payload()).isEqualTo("{}");
        assertThatThrownBy(m::topic).isInstanceOfSatisfying(KmbException.class,
                e -> assertThat(e.code()).isEqualTo(ProblemCode.VALIDATION_FAILED));
    }

    @Test
    void aDeliveryWithoutItsHeadIsMalformed() {
        for (String bad : new String[] {"[1]", "{\"partition\":0,\"offset\":1,\"delivery_attempt\":1}",
                "{\"id\":\"" + id + "\",\"partition\":0,\"offset\":1}", "{\"id\":\"nope\",\"partition\":0,\"offset\":1,\"delivery_attempt\":1}", "{\"id\""}) {
            assertThatThrownBy(() -> DeliveryHead.read(factory, bad.getBytes(StandardCharsets.UTF_8))).as(bad)
                    .isInstanceOfSatisfying(KmbException.class, e -> assertThat(e.code()).isEqualTo(ProblemCode.MALFORMED_JSON));
        }
    }
}
