package dev.kmb.core;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/**
 * What a message is for; decides how the bus treats it (commands expect a reply, stream chunks are relayed in
 * order, and so on).
 */
public enum MessageType {
    EVENT("event"),
    COMMAND("command"),
    QUERY("query"),
    REPLY("reply"),
    TRANSACTIONAL("transactional"),
    TOOL_CALL("tool_call"),
    TOOL_RESULT("tool_result"),
    STREAM_CHUNK("stream_chunk");

    // values() clones the array on every call; lookups happen per message.
    private static final MessageType[] VALUES = values();

    private final String wireName;

    MessageType(String wireName) {
        this.wireName = wireName;
    }

    /** The lower-case name used on the wire. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Looks a value up by its wire name (exact, lower case). */
    public static Optional<MessageType> fromWire(String wireName) {
        for (MessageType value : VALUES) {
            if (value.wireName.equals(wireName)) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** The wire names, comma-separated, for error messages (built once: readers pass it on every field they read). */
    static String wireNames() {
        return WireNames.VALUE;
    }

    private static final class WireNames {
        static final String VALUE = build();

        private static String build() {
            StringBuilder names = new StringBuilder();
            for (MessageType value : VALUES) {
                names.append(names.length() == 0 ? "" : ", ").append(value.wireName);
            }
            return names.toString();
        }
    }
}
