package dev.kmb.broker.spi;

import java.util.Locale;

/** How a durable subscription spreads messages over its members. Immutable and thread-safe. */
public enum SubscriptionMode {
    /** Any member gets any message; members share the load. The default. */
    SHARED,
    /** Messages with the same key always go to the same member (per-key order, shared load). */
    KEY_SHARED,
    /** At most one member may attach; a second is refused. */
    EXCLUSIVE,
    /** Many may attach, one receives; the next takes over when it leaves. */
    FAILOVER;

    /** The lower-case name used in configuration, in stored documents and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name ({@code shared|key_shared|exclusive|failover}), case-insensitive. */
    public static SubscriptionMode fromWireName(String name) {
        for (SubscriptionMode m : values()) {
            if (m.wireName().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("mode must be one of shared, key_shared, exclusive, failover; was '"
                + name + "'");
    }
}
