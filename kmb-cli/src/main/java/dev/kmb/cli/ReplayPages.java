package dev.kmb.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kmb.core.Rfc3339;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Splits a replay page ({@code {"messages":[…],"next":…}}) into its messages, each kept as the exact bytes the bus
 * sent (so an export writes them as a bus snapshot would), with the partition, offset and timestamp read from it.
 * Stateless; thread-safe.
 */
final class ReplayPages {

    private static final JsonFactory JSON = new JsonFactory();

    private ReplayPages() {
    }

    /** One replayed message. */
    record Message(int partition, long offset, long timestampMillis, byte[] json) {
    }

    /** The page's messages in offset order (a page is ordered by time, which can differ after a restore). */
    static List<Message> messages(byte[] page) throws IOException {
        List<Message> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(page)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "a replay page is a JSON object");
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                if (!name.equals("messages")) {
                    p.skipChildren();
                    continue;
                }
                expect(t == JsonToken.START_ARRAY, "messages is an array");
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    out.add(message(p, page));
                }
            }
        }
        out.sort(Comparator.comparingLong(Message::offset));
        return out;
    }

    private static Message message(JsonParser p, byte[] page) throws IOException {
        int from = (int) p.currentTokenLocation().getByteOffset();
        long partition = -1;
        long offset = -1;
        String timestamp = null;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "partition" -> partition = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                case "offset" -> offset = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                case "timestamp" -> timestamp = t == JsonToken.VALUE_STRING ? p.getText() : null;
                default -> p.skipChildren();
            }
        }
        int to = (int) p.currentLocation().getByteOffset();
        expect(partition >= 0 && offset >= 0 && timestamp != null, "a replayed message has partition, offset and timestamp");
        String text = timestamp;
        long millis = Rfc3339.tryParse(text).orElseThrow(() -> new IOException("unexpected replay answer: timestamp " + text))
                .toEpochMilli();
        return new Message((int) partition, offset, millis, Arrays.copyOfRange(page, from, to));
    }

    private static void expect(boolean ok, String what) throws IOException {
        if (!ok) {
            throw new IOException("unexpected replay answer: " + what);
        }
    }
}
