package dev.kmb.broker.spi;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The tenant a stored thing belongs to: {@code [a-z0-9][a-z0-9_-]{0,62}}. Immutable and thread-safe.
 *
 * <p>Every key in the state store starts with a tenant, even while the bus has only {@link #DEFAULT}, so that
 * multi-tenancy (when authentication arrives) needs no data migration: principals simply start to carry one.
 *
 * @param value the tenant id as text
 */
public record TenantId(String value) implements Comparable<TenantId> {

    /** Longest accepted id, in characters. */
    public static final int MAX_LENGTH = 63;

    private static final Pattern GRAMMAR = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    /** The tenant of everything while the bus runs without authentication. */
    public static final TenantId DEFAULT = new TenantId("default");

    public TenantId {
        Objects.requireNonNull(value, "tenant");
        if (!GRAMMAR.matcher(value).matches()) {
            throw new IllegalArgumentException("tenant '" + value + "' is not valid: 1.." + MAX_LENGTH
                    + " characters of a-z 0-9 _ -, starting with a letter or digit");
        }
    }

    /** Parses a tenant id; throws {@link IllegalArgumentException} naming the bad value. */
    public static TenantId of(String value) {
        return new TenantId(value);
    }

    @Override
    public int compareTo(TenantId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
