package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEventsTest {

    @Test
    void aMessageIsOneEventWithItsCursor() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseEvents.message(out, "t:0:5", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("event: message\nid: t:0:5\ndata: {\"a\":1}\n\n");
    }

    @Test
    void lineBreaksInThePayloadBecomeDataLines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseEvents.error(out, "{\n \"a\": 1,\r\n \"b\": 2\r}".getBytes(StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("event: error\ndata: {\ndata:  \"a\": 1,\ndata:  \"b\": 2\ndata: }\n\n");
    }
}
