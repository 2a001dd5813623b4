package dev.kmb.broker.spi;

import java.util.Locale;

/** Whether later messages of a key wait while an earlier one of that key is in backoff. Immutable. */
public enum Ordering {
    /** A key's messages are delivered in order, also through retries: later ones wait for an earlier one's backoff. */
    STRICT,
    /** A message in backoff lets later ones of its key pass. */
    RELAXED;

    /** The lower-case name used in configuration, in stored documents and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code strict|relaxed}, case-insensitive. */
    public static Ordering fromWireName(String name) {
        for (Ordering o : values()) {
            if (o.wireName().equalsIgnoreCase(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("ordering must be strict or relaxed; was '" + name + "'");
    }

    /** The default for a mode: strict where one member sees a key's messages in order, relaxed for shared. */
    public static Ordering defaultFor(SubscriptionMode mode) {
        return mode == SubscriptionMode.SHARED ? RELAXED : STRICT;
    }
}
