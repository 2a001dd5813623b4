package dev.kmb.log.spi;

import java.util.Locale;

/**
 * What an acknowledged append survives. The default for a topic is {@link #PERSISTENT}.
 */
public enum Durability {
    /** Memory only: lost on restart; delivery is at-most-once. */
    EPHEMERAL,
    /** Written to the file (page cache) before the append completes: survives a process crash. */
    DURABLE,
    /** Forced to the device (fsync; acks=all on Kafka) before the append completes: survives power loss. */
    PERSISTENT;

    /** The lower-case name used in configuration and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name ({@code ephemeral|durable|persistent}), case-insensitive. */
    public static Durability fromWireName(String name) {
        for (Durability d : values()) {
            if (d.wireName().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("durability must be one of ephemeral, durable, persistent; was '" + name + "'");
    }
}
