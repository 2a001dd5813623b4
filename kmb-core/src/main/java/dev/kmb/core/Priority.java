package dev.kmb.core;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** Delivery priority of a message; {@link #NORMAL} when the sender says nothing. */
public enum Priority {
    LOW("low"),
    NORMAL("normal"),
    HIGH("high"),
    CRITICAL("critical");

    // values() clones the array on every call; lookups happen per message.
    private static final Priority[] VALUES = values();

    private final String wireName;

    Priority(String wireName) {
        this.wireName = wireName;
    }

    /** The lower-case name used on the wire. */
    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Looks a value up by its wire name (exact, lower case). */
    public static Optional<Priority> fromWire(String wireName) {
        for (Priority value : VALUES) {
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
            for (Priority value : VALUES) {
                names.append(names.length() == 0 ? "" : ", ").append(value.wireName);
            }
            return names.toString();
        }
    }
}
