package dev.kmb.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The text/event-stream encoding of what {@code /v1/subscribe} sends. Stateless and thread-safe.
 *
 * <pre>
 * event: message\n            event: error\n               : keep-alive\n
 * id: &lt;cursor&gt;\n              data: &lt;problem JSON&gt;\n        \n
 * data: &lt;delivered envelope&gt;\n  \n
 * \n
 * </pre>
 *
 * JSON never holds a raw line break inside a string, so a line break in the data is whitespace (a payload sent
 * pretty-printed): each line becomes its own {@code data:} field, which the client joins back with {@code \n}.
 */
final class SseEvents {

    static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "event: message\nid: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "event: error\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseEvents() {
    }

    /** Appends one {@code message} event. */
    static void message(ByteArrayOutputStream out, String cursor, byte[] json) {
        out.writeBytes(MESSAGE);
        out.writeBytes(cursor.getBytes(StandardCharsets.US_ASCII));
        out.write('\n');
        data(out, json);
    }

    /** Appends one {@code error} event. */
    static void error(ByteArrayOutputStream out, byte[] problemJson) {
        out.writeBytes(ERROR);
        data(out, problemJson);
    }

    private static void data(ByteArrayOutputStream out, byte[] json) {
        int lineStart = 0;
        for (int i = 0; i < json.length; i++) {
            byte b = json[i];
            if (b == '\n' || b == '\r') {
                out.writeBytes(DATA);
                out.write(json, lineStart, i - lineStart);
                out.write('\n');
                if (b == '\r' && i + 1 < json.length && json[i + 1] == '\n') {
                    i++;
                }
                lineStart = i + 1;
            }
        }
        out.writeBytes(DATA);
        out.write(json, lineStart, json.length - lineStart);
        out.write('\n');
        out.write('\n');
    }
}
