package dev.kmb.core;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Generates time-ordered UUIDs, version 7 of RFC 9562: 48 bits of Unix milliseconds, then 74 random bits. Message ids
 * made this way sort roughly by creation time, which keeps id indexes (dedup windows) append-mostly.
 *
 * <p>Thread-safe. The random bits come from {@link SecureRandom}: ids are the dedup key, so a guessable id would let
 * a publisher suppress someone else's message.
 */
public final class UuidV7 implements Supplier<UUID> {

    private static final UuidV7 SYSTEM = new UuidV7(Clock.systemUTC());

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /** A generator reading time from {@code clock}. */
    public UuidV7(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A generator on the system clock. */
    public static UuidV7 system() {
        return SYSTEM;
    }

    @Override
    public UUID get() {
        long millis = clock.millis();
        long randA = random.nextLong();
        long randB = random.nextLong();
        //  0                   1                   2                   3
        // |          unix_ts_ms (48)           | ver (4) | rand_a (12) |   most significant 64 bits
        // | var (2) |                  rand_b (62)                     |   least significant 64 bits
        long msb = (millis << 16) | 0x7000L | (randA & 0x0FFFL);
        long lsb = (randB & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    /**
     * Parses the canonical 8-4-4-4-12 hex form strictly (either case), unlike {@link UUID#fromString}, which also
     * accepts {@code 1-1-1-1-1}. Returns null when {@code text} is not one (internal: saves an Optional per message).
     */
    static UUID parseStrict(String text) {
        if (text.length() != 36) {
            return null;
        }
        long msb = 0;
        long lsb = 0;
        int digits = 0;
        for (int i = 0; i < 36; i++) {
            char c = text.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return null;
                }
                continue;
            }
            int v = Character.digit(c, 16);
            if (v < 0 || c > 'f') {
                return null;
            }
            if (digits < 16) {
                msb = (msb << 4) | v;
            } else {
                lsb = (lsb << 4) | v;
            }
            digits++;
        }
        return new UUID(msb, lsb);
    }
}
