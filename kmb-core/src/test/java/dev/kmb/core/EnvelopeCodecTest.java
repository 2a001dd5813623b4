package dev.kmb.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EnvelopeCodecTest {

    private static final String ID = "0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f80";
    private static final UUID FIXED = UUID.fromString("00000000-0000-7000-8000-000000000001");

    private final EnvelopeCodec codec = new EnvelopeCodec(EnvelopeLimits.DEFAULT, () -> FIXED);
    private final ObjectMapper mapper = new ObjectMapper();

    private static byte[] json(String text) {
        return text.replace('\'', '"').getBytes(UTF_8);
    }

    /** A valid minimal envelope with {@code extra} spliced in as more top-level members. */
    private static byte[] minimal(String extra) {
        return json("{'topic':'kmb.agent.intent.create','type':'command','payload':{}" + extra + "}");
    }

    private static final String FULL = """
            {"id":"%s","timestamp":"2025-06-01T12:00:00.250Z","topic":"kmb.agent.intent.create","type":"reply",
             "key":"agent-7","transaction_id":"tx-1","payload":{"q":"hi"},
             "metadata":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","correlation_id":"c-1","reply_to":"kmb.inbox.a",
               "conversation_id":"conv-9","stream_id":"s-1","chunk_seq":3,"final":true,"status":"done",
               "priority":"high","ttl":60,"deliver_at":"2025-06-01T14:00:00+02:00","delay":5,
               "headers":{"x-tenant":"acme"},
               "auth":{"issuer":"kmb","client_id":"cli-1","signature":"c2ln","timestamp":"2025-06-01T12:00:00Z"}}}
            """.formatted(ID);

    @Test
    void decodesEveryFieldOfTheDesignShape() {
        Envelope e = codec.decode(FULL.getBytes(UTF_8));

        assertThat(e.id()).isEqualTo(UUID.fromString(ID));
        assertThat(e.timestamp()).contains(Instant.parse("2025-06-01T12:00:00.250Z"));
        assertThat(e.topic()).isEqualTo(TopicName.of("kmb.agent.intent.create"));
        assertThat(e.type()).isEqualTo(MessageType.REPLY);
        assertThat(e.key()).contains("agent-7");
        assertThat(e.transactionId()).contains("tx-1");
        assertThat(e.payload().asString()).isEqualTo("{\"q\":\"hi\"}");
        Metadata m = e.metadata();
        assertThat(m.traceId()).contains("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(m.correlationId()).contains("c-1");
        assertThat(m.replyTo()).contains("kmb.inbox.a");
        assertThat(m.conversationId()).contains("conv-9");
        assertThat(m.streamId()).contains("s-1");
        assertThat(m.chunkSeq()).hasValue(3);
        assertThat(m.isFinal()).isTrue();
        assertThat(m.status()).contains(ReplyStatus.DONE);
        assertThat(m.priority()).isEqualTo(Priority.HIGH);
        assertThat(m.ttl()).contains(Duration.ofSeconds(60));
        assertThat(m.deliverAt()).contains(Instant.parse("2025-06-01T12:00:00Z"));
        assertThat(m.delay()).contains(Duration.ofSeconds(5));
        assertThat(m.headers()).containsExactly(Map.entry("x-tenant", "acme"));
        assertThat(m.auth()).contains(new Auth(Optional.of("kmb"), Optional.of("cli-1"), Optional.of("c2ln"),
                Optional.of(Instant.parse("2025-06-01T12:00:00Z"))));
    }

    @Test
    void roundTripsEveryField() throws Exception {
        Envelope decoded = codec.decode(FULL.getBytes(UTF_8));
        byte[] encoded = codec.encode(decoded);

        assertThat(codec.decode(encoded)).isEqualTo(decoded);
        JsonNode tree = mapper.readTree(encoded);
        assertThat(fieldNames(tree)).containsExactly(
                "id", "timestamp", "topic", "type", "key", "transaction_id", "payload", "metadata");
        assertThat(fieldNames(tree.get("metadata"))).containsExactlyInAnyOrder("trace_id", "correlation_id",
                "reply_to", "conversation_id", "stream_id", "chunk_seq", "final", "status", "priority", "ttl",
                "deliver_at", "delay", "headers", "auth");
        assertThat(fieldNames(tree.get("metadata").get("auth")))
                .containsExactly("issuer", "client_id", "signature", "timestamp");
        assertThat(tree.get("metadata").get("deliver_at").asText()).isEqualTo("2025-06-01T12:00:00Z");
    }

    @Test
    void omitsAbsentFieldsAndNeverWritesNull() throws Exception {
        Envelope e = Envelope.builder(TopicName.of("a.b"), MessageType.EVENT, RawJson.of("[1]")).id(FIXED).build();
        byte[] encoded = codec.encode(e);

        assertThat(new String(encoded, UTF_8)).isEqualTo(
                "{\"id\":\"" + FIXED + "\",\"topic\":\"a.b\",\"type\":\"event\",\"payload\":[1]}");
        assertThat(codec.decode(encoded)).isEqualTo(e);
    }

    @Test
    void defaultPriorityAndFalseFinalAreLeftOut() throws Exception {
        Metadata m = Metadata.builder().priority(Priority.NORMAL).isFinal(false).traceId("t").build();
        Envelope e = Envelope.builder(TopicName.of("a"), MessageType.EVENT, RawJson.NULL).metadata(m).build();
        assertThat(fieldNames(mapper.readTree(codec.encode(e)).get("metadata"))).containsExactly("trace_id");
    }

    @Test
    void payloadBytesSurviveDecodeAndEncodeExactly() {
        String payload = "{ \"text\" :\t\"caf\\u00e9 \u00e9 \\ud83d\\ude00 \\\"q\\\" \\n\" ,\n"
                + "  \"n\": [ 1.0e+3, -0, 12345678901234567890 ], \"o\": { } }";
        String doc = "{\"topic\":\"a.b\",\"payload\":" + payload + "  ,\"type\":\"event\"}";

        Envelope e = codec.decode(doc.getBytes(UTF_8));

        assertThat(e.payload().toByteArray()).isEqualTo(payload.getBytes(UTF_8));
        assertThat(new String(codec.encode(e), UTF_8)).endsWith("\"payload\":" + payload + "}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"sn\\u00f6w \\t\"", "-12.5e-3", "0", "true", "false", "null", "[]", "\"\"",
            "[ \"]\" , {\"}\":\"{\"} ]"})
    void scalarAndOddPayloadsAreSlicedExactlyWhereverThePayloadSits(String payload) {
        for (String doc : List.of(
                "{\"topic\":\"a\",\"type\":\"event\",\"payload\":" + payload + "}",
                "{\"payload\" : " + payload + " , \"topic\":\"a\",\"type\":\"event\"}")) {
            Envelope e = codec.decode(doc.getBytes(UTF_8));
            assertThat(e.payload().asString()).as(doc).isEqualTo(payload);
            assertThat(codec.decode(codec.encode(e)).payload()).isEqualTo(e.payload());
        }
    }

    @Test
    void generatesAnIdWhenAbsentAndKeepsAGivenOne() {
        assertThat(codec.decode(minimal("")).id()).isEqualTo(FIXED);
        assertThat(codec.decode(minimal(",'id':'" + ID.toUpperCase() + "'")).id()).isEqualTo(UUID.fromString(ID));

        UUID generated = new EnvelopeCodec().decode(minimal("")).id();
        assertThat(generated.version()).isEqualTo(7);
        assertThat(generated.variant()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        ",'id':'1-1-1-1-1'                      | /id                 | must be a UUID",
        ",'id':7                                | /id                 | must be a string, was 7",
        ",'timestamp':'2025-06-01T12:00Z'       | /timestamp          | RFC 3339",
        ",'timestamp':'2025-02-30T12:00:00Z'    | /timestamp          | 2025-02-30",
        ",'metadata':{'ttl':-1}                 | /metadata/ttl       | must be >= 0, was -1",
        ",'metadata':{'ttl':1.5}                | /metadata/ttl       | whole number of seconds, was 1.5",
        ",'metadata':{'ttl':'60'}               | /metadata/ttl       | was \"60\"",
        ",'metadata':{'delay':-5}               | /metadata/delay     | must be >= 0, was -5",
        ",'metadata':{'chunk_seq':-2}           | /metadata/chunk_seq | must be >= 0, was -2",
        ",'metadata':{'priority':'urgent'}      | /metadata/priority  | one of low, normal, high, critical, was \"urgent\"",
        ",'metadata':{'status':'ok'}            | /metadata/status    | one of ack, error, done",
        ",'metadata':{'deliver_at':'tomorrow'}  | /metadata/deliver_at | RFC 3339",
        ",'metadata':{'final':'yes'}            | /metadata/final     | true or false",
        ",'metadata':{'headers':{'k':1}}        | /metadata/headers/k | must be a string, was 1",
        ",'metadata':{'auth':{'timestamp':'x'}} | /metadata/auth/timestamp | RFC 3339",
        ",'metadata':{'tll':60}                 | /metadata/tll       | not a known field",
        ",'metadata':[]                         | /metadata           | must be an object, was an array",
        ",'ttl':60                              | /ttl                | not a known field",
        ",'a/b':1                               | /a~1b               | not a known field",
        ",'key':{}                              | /key                | must be a string, was an object",
        ",'topic':'x'                           | /topic              | more than once",
    })
    void reportsTheFieldAndTheBadValue(String extra, String pointer, String message) {
        assertValidationErrors(() -> codec.decode(minimal(extra)), List.of(pointer), message);
    }

    @Test
    void reportsBadTopicTypeAndMissingPayloadTogether() {
        byte[] doc = json("{'topic':'a..b','type':'shout','metadata':{'ttl':-1,'priority':'max'}}");
        assertValidationErrors(() -> codec.decode(doc),
                List.of("/topic", "/type", "/metadata/ttl", "/metadata/priority", "/payload"), "empty segment");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'type':'event','payload':1}", "{'topic':null,'type':'event','payload':1}"})
    void requiresTheTopic(String doc) {
        assertValidationErrors(() -> codec.decode(json(doc)), List.of("/topic"), "is required");
    }

    @Test
    void nonObjectDocumentIsRefusedAtTheRootPointer() {
        assertValidationErrors(() -> codec.decode(json("[1]")), List.of(""), "must be an object, was an array");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'topic':", "{'topic':'a',}", "", "{} {}", "{'topic':'a' 'type':'event'}", "nul"})
    void brokenJsonIsMalformedJson(String doc) {
        assertThatThrownBy(() -> codec.decode(json(doc)))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ProblemCode.MALFORMED_JSON);
                    assertThat(e.problem().status()).isEqualTo(400);
                });
    }

    @Test
    void nonUtf8InputIsMalformedJson() {
        byte[] utf16 = "{\"topic\":\"a\",\"type\":\"event\",\"payload\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
        assertThatThrownBy(() -> codec.decode(utf16)).hasMessageContaining("UTF-8");
    }

    @Test
    void sizeLimitIsOneMebibyteByDefaultAndConfigurable() {
        byte[] exactlyAtLimit = padded(EnvelopeLimits.DEFAULT_MAX_ENVELOPE_BYTES);
        assertThat(codec.decode(exactlyAtLimit).payload().length()).isGreaterThan(1_000_000);

        byte[] oneOver = padded(EnvelopeLimits.DEFAULT_MAX_ENVELOPE_BYTES + 1);
        assertThatThrownBy(() -> codec.decode(oneOver))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ProblemCode.MESSAGE_TOO_LARGE);
                    assertThat(e.problem().status()).isEqualTo(413);
                    assertThat(e.problem().detail()).contains("1048577 bytes, at most 1048576");
                });

        EnvelopeCodec small = new EnvelopeCodec(EnvelopeLimits.DEFAULT.withMaxEnvelopeBytes(100));
        assertThat(small.decode(padded(100)).topic().value()).isEqualTo("a");
        assertThatThrownBy(() -> small.decode(padded(101))).hasMessageContaining("message_too_large");
    }

    /** A valid envelope of exactly {@code size} bytes. */
    private static byte[] padded(int size) {
        String head = "{\"topic\":\"a\",\"type\":\"event\",\"payload\":\"";
        String tail = "\"}";
        return (head + "x".repeat(size - head.length() - tail.length()) + tail).getBytes(UTF_8);
    }

    @Test
    void decodesABatchInOrder() {
        List<Envelope> batch = codec.decodeBatch(json("{'messages':[{'topic':'a','type':'event','payload':1},"
                + "{'topic':'b','type':'command','payload':{'x':[2]}}]}"));
        assertThat(batch).extracting(e -> e.topic().value()).containsExactly("a", "b");
        assertThat(batch.get(1).payload().asString()).isEqualTo("{\"x\":[2]}");
        assertThat(codec.decodeBatch(codec.encodeBatch(batch))).isEqualTo(batch);
    }

    @Test
    void batchErrorsPointIntoTheMessage() {
        byte[] doc = json("{'messages':[{'topic':'a','type':'event','payload':1},"
                + "{'topic':'b','type':'event','payload':1,'metadata':{'ttl':-1}}, 5]}");
        assertValidationErrors(() -> codec.decodeBatch(doc), List.of("/messages/1/metadata/ttl", "/messages/2"),
                "must be >= 0");
    }

    @Test
    void batchMustHoldMessages() {
        assertValidationErrors(() -> codec.decodeBatch(json("{'messages':[]}")), List.of("/messages"),
                "at least one");
        assertValidationErrors(() -> codec.decodeBatch(json("{'msgs':[]}")), List.of("/msgs", "/messages"),
                "not a known field");
    }

    @Test
    void batchSizeAndPerMessageSizeAreLimited() {
        EnvelopeCodec two = new EnvelopeCodec(new EnvelopeLimits(100, 2));
        String one = "{\"topic\":\"a\",\"type\":\"event\",\"payload\":1}";
        assertThat(two.decodeBatch(("{\"messages\":[" + one + "," + one + "]}").getBytes(UTF_8))).hasSize(2);
        assertThatThrownBy(() -> two.decodeBatch(("{\"messages\":[" + one + "," + one + "," + one + "]}")
                .getBytes(UTF_8))).hasMessageContaining("at most 2 messages");
        String big = new String(padded(101), UTF_8);
        assertThatThrownBy(() -> two.decodeBatch(("{\"messages\":[" + one + "," + big + "]}").getBytes(UTF_8)))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ProblemCode.MESSAGE_TOO_LARGE);
                    assertThat(e.problem().errors()).extracting(FieldError::pointer).containsExactly("/messages/1");
                });
    }

    @Test
    void publishBodyIsOneEnvelopeOrABatch() {
        assertThat(codec.decodePublish(minimal(""))).hasSize(1);
        assertThat(codec.decodePublish(json("{'messages':[{'topic':'a','type':'event','payload':1}]}"))).hasSize(1);
    }

    @Test
    void deliveredEnvelopeCarriesLogPositionAndSubscription() throws Exception {
        Envelope e = codec.decode(FULL.getBytes(UTF_8));
        DeliveredEnvelope d = new DeliveredEnvelope(e, 3, 42L, 2, Optional.of("billing"));

        byte[] encoded = codec.encode(d);

        JsonNode tree = mapper.readTree(encoded);
        assertThat(tree.get("partition").asInt()).isEqualTo(3);
        assertThat(tree.get("offset").asLong()).isEqualTo(42);
        assertThat(tree.get("delivery_attempt").asInt()).isEqualTo(2);
        assertThat(tree.get("subscription").asText()).isEqualTo("billing");
        assertThat(codec.decodeDelivered(encoded)).isEqualTo(d);
    }

    @Test
    void deliveredDecodingToleratesFieldsFromANewerServerButPublishDoesNot() {
        byte[] doc = json("{'topic':'a','type':'event','payload':1,'partition':0,'offset':7,'delivery_attempt':1,"
                + "'shiny_new_field':{'x':1},'metadata':{'future':true}}");
        DeliveredEnvelope d = codec.decodeDelivered(doc);
        assertThat(d.offset()).isEqualTo(7);
        assertThat(d.subscription()).isEmpty();
        assertValidationErrors(() -> codec.decode(doc),
                List.of("/partition", "/offset", "/delivery_attempt", "/shiny_new_field", "/metadata/future"),
                "not a known field");
    }

    @Test
    void deliveredEnvelopeWithoutOffsetIsRefused() {
        assertValidationErrors(() -> codec.decodeDelivered(json("{'topic':'a','type':'event','payload':1,"
                + "'partition':0,'delivery_attempt':0}")), List.of("/offset", "/delivery_attempt"), "required");
    }

    @Test
    void timestampsAcceptRfc3339VariantsAndAreWrittenInUtc() throws Exception {
        Envelope e = codec.decode(minimal(",'timestamp':'2025-06-01t12:00:00.123456789-01:30'"));
        assertThat(e.timestamp()).contains(Instant.parse("2025-06-01T13:30:00.123456789Z"));
        assertThat(mapper.readTree(codec.encode(e)).get("timestamp").asText())
                .isEqualTo("2025-06-01T13:30:00.123456789Z");
    }

    @Test
    void metadataRecordRefusesNegativeValuesWithAPointer() {
        assertThatThrownBy(() -> Metadata.builder().ttl(Duration.ofSeconds(-1)).build())
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.code()).isEqualTo(ProblemCode.INVALID_FIELD);
                    assertThat(e.problem().errors()).extracting(FieldError::pointer).containsExactly("/metadata/ttl");
                });
        assertThatThrownBy(() -> Metadata.builder().delay(Duration.ofMillis(1500)).build())
                .hasMessageContaining("/metadata/delay");
    }

    private static void assertValidationErrors(ThrowingCallable call, List<String> pointers, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.code()).isEqualTo(ProblemCode.VALIDATION_FAILED);
            assertThat(e.problem().status()).isEqualTo(422);
            assertThat(e.problem().errors()).extracting(FieldError::pointer)
                    .containsExactlyInAnyOrderElementsOf(pointers);
            assertThat(e.problem().errors()).extracting(FieldError::message)
                    .anySatisfy(m -> assertThat(m).contains(message));
        });
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
