package dev.kmb.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.MessageType;
import dev.kmb.core.Metadata;
import dev.kmb.core.RawJson;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.LogEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The dead-letter envelope: what a dead-letter topic stores, how it reads back, how the listing shows it. */
class DeadLetterFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EnvelopeCodec CODEC = new EnvelopeCodec();
    private static final TopicName DLQ = DeadLetterService.SYSTEM_DLQ;
    private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.123Z");

    /** An original as the log stores it: key, headers, conversation id, a payload with odd spacing kept verbatim. */
    private static byte[] storedOriginal(UUID id, String key) {
        Envelope.Builder b = Envelope.builder(TopicName.of("orders.created"), MessageType.COMMAND,
                        RawJson.of("{ \"sku\" : \"A-1\",  \"qty\":2 }"))
                .id(id).timestamp(T0)
                .metadata(Metadata.builder().conversationId("conv-9").headers(Map.of("tenant-hint", "acme")).build());
        if (key != null) {
            b.key(key);
        }
        return CODEC.encode(b.build());
    }

    private static DeadLetter letter(byte[] original, DeadLetter.Reason reason) {
        return new DeadLetter(TenantId.DEFAULT, "billing", Optional.empty(), TopicName.of("orders.created"), 2, 41,
                UUID.randomUUID(), original, reason, List.of(
                new DeadLetter.DeliveryAttempt(T0.plusSeconds(1), "member-1", "card declined"),
                new DeadLetter.DeliveryAttempt(T0.plusSeconds(3), "member-2", "ack_timeout")));
    }

    private static LogEntry stored(Envelope e, long offset) {
        return new LogEntry(offset, e.timestamp().orElseThrow().toEpochMilli(), Optional.empty(), CODEC.encode(e), List.of());
    }

    @Test
    void theEnvelopeHasANewIdTheOriginalsKeyAndEmbedsTheOriginalByteForByte() throws IOException {
        UUID originalId = UUID.randomUUID();
        byte[] original = storedOriginal(originalId, "customer-7");
        UUID dlqId = UUID.randomUUID();

        Envelope e = DeadLetterFormat.envelope(letter(original, DeadLetter.Reason.MAX_DELIVERIES), DLQ, dlqId);

        assertThat(e.id()).isEqualTo(dlqId).isNotEqualTo(originalId);
        assertThat(e.topic()).isEqualTo(DLQ);
        assertThat(e.type()).isEqualTo(MessageType.EVENT);
        assertThat(e.key()).contains("customer-7");
        String payload = new String(e.payload().toByteArray(), StandardCharsets.UTF_8);
        assertThat(payload).contains(new String(original, StandardCharsets.UTF_8));
        JsonNode p = JSON.readTree(payload);
        assertThat(p.get("subscription").asText()).isEqualTo("billing");
        assertThat(p.get("topic").asText()).isEqualTo("orders.created");
        assertThat(p.get("partition").asInt()).isEqualTo(2);
        assertThat(p.get("offset").asLong()).isEqualTo(41);
        assertThat(p.get("reason").asText()).isEqualTo("max_deliveries");
        assertThat(p.at("/attempts/0/at").asText()).isEqualTo("2026-03-04T05:06:08.123Z");
        assertThat(p.at("/attempts/0/consumer").asText()).isEqualTo("member-1");
        assertThat(p.at("/attempts/0/outcome").asText()).isEqualTo("card declined");
        assertThat(p.at("/attempts/1/outcome").asText()).isEqualTo("ack_timeout");
        assertThat(p.at("/original/id").asText()).isEqualTo(originalId.toString());
        assertThat(p.at("/original/metadata/conversation_id").asText()).isEqualTo("conv-9");
        assertThat(p.at("/original/metadata/headers/tenant-hint").asText()).isEqualTo("acme");
    }

    @Test
    void anOriginalWithoutKeyGivesADeadLetterWithoutKey() {
        Envelope e = DeadLetterFormat.envelope(letter(storedOriginal(UUID.randomUUID(), null), DeadLetter.Reason.REJECTED),
                DLQ, UUID.randomUUID());
        assertThat(e.key()).isEmpty();
    }

    @Test
    void aStoredDeadLetterReadsBackWithEveryField() {
        UUID originalId = UUID.randomUUID();
        byte[] original = storedOriginal(originalId, "k");
        DeadLetter letter = letter(original, DeadLetter.Reason.EXPIRED);
        UUID dlqId = UUID.randomUUID();
        Envelope e = DeadLetterFormat.envelope(letter, DLQ, dlqId).withTimestamp(T0.plusSeconds(10));

        StoredDeadLetter d = DeadLetterFormat.read(DLQ, 3, stored(e, 99)).orElseThrow();

        assertThat(d.id()).isEqualTo(dlqId);
        assertThat(d.deadLetteredAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(d.deadLetterTopic()).isEqualTo(DLQ);
        assertThat(d.dlqPartition()).isEqualTo(3);
        assertThat(d.dlqOffset()).isEqualTo(99);
        assertThat(d.subscription()).isEqualTo("billing");
        assertThat(d.topic()).isEqualTo(TopicName.of("orders.created"));
        assertThat(d.partition()).isEqualTo(2);
        assertThat(d.offset()).isEqualTo(41);
        assertThat(d.reason()).isEqualTo(DeadLetter.Reason.EXPIRED);
        assertThat(d.attempts()).isEqualTo(letter.attempts());
        assertThat(d.originalId()).isEqualTo(originalId);
        assertThat(d.original()).isEqualTo(original);
    }

    @Test
    void theListingShowsTheDeadLetterAndTheOriginalUnchanged() throws IOException {
        byte[] original = storedOriginal(UUID.randomUUID(), "k");
        Envelope e = DeadLetterFormat.envelope(letter(original, DeadLetter.Reason.REJECTED), DLQ, UUID.randomUUID())
                .withTimestamp(T0);
        StoredDeadLetter d = DeadLetterFormat.read(DLQ, 0, stored(e, 0)).orElseThrow();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            DeadLetterFormat.write(g, d);
        }
        String item = out.toString(StandardCharsets.UTF_8);
        JsonNode n = JSON.readTree(item);

        assertThat(item).contains("\"original\":" + new String(original, StandardCharsets.UTF_8) + "}");
        assertThat(n.get("id").asText()).isEqualTo(d.id().toString());
        assertThat(n.get("dead_lettered_at").asText()).isEqualTo("2026-03-04T05:06:07.123Z");
        assertThat(n.get("reason").asText()).isEqualTo("rejected");
        assertThat(n.get("subscription").asText()).isEqualTo("billing");
        assertThat(n.get("topic").asText()).isEqualTo("orders.created");
        assertThat(n.get("attempts")).hasSize(2);
    }

    @Test
    void recordsThatAreNotDeadLettersAreNotReadAsSuch() {
        Envelope plain = Envelope.builder(DLQ, MessageType.EVENT, RawJson.of("{\"hello\":1}")).timestamp(T0).build();
        assertThat(DeadLetterFormat.read(DLQ, 0, stored(plain, 0))).isEmpty();

        String lacksReason = "{\"subscription\":\"s\",\"topic\":\"t\",\"partition\":0,\"offset\":1,\"attempts\":[],"
                + "\"original\":" + new String(storedOriginal(UUID.randomUUID(), null), StandardCharsets.UTF_8) + "}";
        Envelope partial = Envelope.builder(DLQ, MessageType.EVENT, RawJson.of(lacksReason)).timestamp(T0).build();
        assertThat(DeadLetterFormat.read(DLQ, 0, stored(partial, 1))).isEmpty();

        LogEntry garbage = new LogEntry(2, 0, Optional.empty(), "not json".getBytes(StandardCharsets.UTF_8), List.of());
        assertThat(DeadLetterFormat.read(DLQ, 0, garbage)).isEmpty();
    }

    @Test
    void membersAddedByALaterVersionAreIgnored() {
        String original = new String(storedOriginal(UUID.randomUUID(), null), StandardCharsets.UTF_8);
        String withExtras = "{\"subscription\":\"s\",\"future\":{\"x\":[1,2]},\"topic\":\"t\",\"partition\":0,\"offset\":1,"
                + "\"reason\":\"rejected\",\"attempts\":[{\"at\":\"2026-01-01T00:00:00Z\",\"consumer\":\"c\","
                + "\"outcome\":\"term\",\"extra\":true}],\"original\":" + original + "}";
        Envelope e = Envelope.builder(DLQ, MessageType.EVENT, RawJson.of(withExtras)).timestamp(T0).build();

        StoredDeadLetter d = DeadLetterFormat.read(DLQ, 0, stored(e, 5)).orElseThrow();

        assertThat(d.reason()).isEqualTo(DeadLetter.Reason.REJECTED);
        assertThat(d.attempts()).singleElement().extracting(DeadLetter.DeliveryAttempt::outcome).isEqualTo("term");
        assertThat(new String(d.original(), StandardCharsets.UTF_8)).isEqualTo(original);
    }
}
