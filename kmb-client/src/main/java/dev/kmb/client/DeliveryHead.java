package dev.kmb.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import java.io.IOException;
import java.util.UUID;

/**
 * What a consumer needs of a delivered envelope before it looks inside: its id (to settle it), where it sits in the
 * log, the attempt, and where its payload lies in the bytes. Read in one streaming pass that checks nothing else, so
 * a consumer that only takes the payload and acks never pays for a full decode of the envelope.
 *
 * @param id           the message id
 * @param partition    partition it was read from
 * @param offset       offset in that partition
 * @param attempt      1 on first delivery, then counting redeliveries
 * @param payloadFrom  byte offset of the payload's JSON object or array in the delivered bytes; -1 for another payload
 * @param payloadTo    byte offset just past it
 */
record DeliveryHead(UUID id, int partition, long offset, int attempt, int payloadFrom, int payloadTo) {

    /**
     * Reads the head of a delivered envelope.
     *
     * @throws KmbException {@code malformed_json} when the bytes are not an object with those fields
     */
    static DeliveryHead read(JsonFactory factory, byte[] json) {
        UUID id = null;
        int partition = -1;
        long offset = -1;
        int attempt = -1;
        int payloadFrom = -1;
        int payloadTo = -1;
        try (JsonParser p = factory.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("a delivered envelope is a JSON object");
            }
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "id" -> id = t == JsonToken.VALUE_STRING ? UUID.fromString(p.getText()) : null;
                    case "partition" -> partition = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "offset" -> offset = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                    case "delivery_attempt" -> attempt = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
                    case "payload" -> {
                        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                            payloadFrom = (int) p.currentTokenLocation().getByteOffset();
                            p.skipChildren();
                            payloadTo = (int) p.currentTokenLocation().getByteOffset() + 1;
                        } // a scalar payload is left to the full decode
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new KmbException(Problem.of(ProblemCode.MALFORMED_JSON, "unreadable delivery from the server: " + e), e);
        }
        if (id == null || partition < 0 || offset < 0 || attempt < 1) {
            throw bad("a delivered envelope needs id, partition, offset and delivery_attempt");
        }
        return new DeliveryHead(id, partition, offset, attempt, payloadFrom, payloadTo);
    }

    private static KmbException bad(String detail) {
        return new KmbException(Problem.of(ProblemCode.MALFORMED_JSON, "unreadable delivery from the server: " + detail));
    }
}
