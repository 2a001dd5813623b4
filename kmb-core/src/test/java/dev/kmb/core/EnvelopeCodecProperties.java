package dev.kmb.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Payloads of random shape, whitespace and escapes come back byte for byte through decode and encode. */
class EnvelopeCodecProperties {

    private final EnvelopeCodec codec = new EnvelopeCodec();

    @Property(tries = 400)
    void payloadBytesRoundTripExactly(@ForAll long seed, @ForAll boolean payloadFirst) {
        String payload = new JsonText(new Random(seed)).value(0);
        String doc = payloadFirst
                ? "{\"payload\":" + payload + ",\"topic\":\"a.b\",\"type\":\"event\"}"
                : "{\"topic\":\"a.b\",\"type\":\"event\",\"payload\":" + payload + "}";

        Envelope decoded = codec.decode(doc.getBytes(UTF_8));
        byte[] encoded = codec.encode(decoded);

        assertThat(decoded.payload().toByteArray()).isEqualTo(payload.getBytes(UTF_8));
        assertThat(codec.decode(encoded).payload().toByteArray()).isEqualTo(payload.getBytes(UTF_8));
        assertThat(decoded.payload()).isEqualTo(RawJson.of(payload));
    }

    /** Random JSON text with random insignificant whitespace, escapes and non-ASCII characters. */
    private static final class JsonText {
        private static final String[] WS = {"", " ", "\t", "\n", "\r\n  "};
        private static final String[] CHARS = {"a", "Z", "é", "€", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9",
            "\\ud83d\\ude00", "\\u0000", "{", "]", ",", ":"};
        private static final String[] NUMBERS = {"0", "-0", "1", "-12.5", "1e3", "1.0E-7", "123456789012345678901234"};

        private final Random random;

        JsonText(Random random) {
            this.random = random;
        }

        String value(int depth) {
            int kind = random.nextInt(depth >= 3 ? 4 : 6);
            return switch (kind) {
                case 0 -> string();
                case 1 -> pick(NUMBERS);
                case 2 -> pick(new String[] {"true", "false", "null"});
                case 3 -> string();
                case 4 -> container(depth, '[', ']', false);
                default -> container(depth, '{', '}', true);
            };
        }

        private String container(int depth, char open, char close, boolean object) {
            StringBuilder text = new StringBuilder().append(open).append(pick(WS));
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    text.append(pick(WS)).append(',').append(pick(WS));
                }
                if (object) {
                    text.append(string()).append(pick(WS)).append(':').append(pick(WS));
                }
                text.append(value(depth + 1));
            }
            return text.append(pick(WS)).append(close).toString();
        }

        private String string() {
            StringBuilder text = new StringBuilder("\"");
            int n = random.nextInt(6);
            for (int i = 0; i < n; i++) {
                text.append(pick(CHARS));
            }
            return text.append('"').toString();
        }

        private String pick(String[] options) {
            return options[random.nextInt(options.length)];
        }
    }
}
