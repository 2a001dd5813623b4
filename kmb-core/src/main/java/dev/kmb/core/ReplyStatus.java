package dev.kmb.core;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** Outcome carried by a reply to a command: accepted, failed, or finished. */
public enum ReplyStatus {
    ACK("ack"),
    ERROR("error"),
    DONE("done");

    // values() clones the array on every call; lookups happen per message.
    private static final ReplyStatus[] VALUES = values();

    private final String wireName;

    ReplyStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The lower-case name used on the wire. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Looks a value up by its wire name (exact, lower case). */
    public static Optional<ReplyStatus> fromWire(String wireName) {
        for (ReplyStatus value : VALUES) {
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
            for (ReplyStatus value : VALUES) {
                names.append(names.length() == 0 ? "" : ", ").append(value.wireName);
            }
            return names.toString();
        }
    }
}
