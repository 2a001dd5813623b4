package dev.kmb.log.spi;

import java.util.Locale;

/** Per-batch compression codec; the id is stored in the batch attributes and must never change. */
public enum Compression {
    NONE(0),
    GZIP(1),
    ZSTD(2),
    BROTLI(3);

    private final int id;

    Compression(int id) {
        this.id = id;
    }

    /** The codec id stored on disk (3 bits). */
    public int id() {
        return id;
    }

    /** The lower-case name used in configuration and on the wire. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The codec for an on-disk id; throws for an unknown id (a corrupt or newer batch). */
    public static Compression fromId(int id) {
        for (Compression c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression id " + id);
    }

    /** Parses a wire name ({@code none|gzip|zstd|brotli}), case-insensitive. */
    public static Compression fromWireName(String name) {
        for (Compression c : values()) {
            if (c.wireName().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("compression must be one of none, gzip, zstd, brotli; was '" + name + "'");
    }
}
