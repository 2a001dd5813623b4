package dev.kmb.broker;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of transactions, validated when built; every default sits next to its key. Immutable.
 *
 * @param defaultTimeout {@code transactions.default_timeout}: how long a transaction may stay open when its
 *                       creator does not say (default 60 s)
 * @param maxTimeout     {@code transactions.max_timeout}: the longest timeout a creator may ask for (default 15 min)
 * @param sweepInterval  how often open transactions are checked for their timeout (default 250 ms)
 */
public record TransactionConfig(Duration defaultTimeout, Duration maxTimeout, Duration sweepInterval) {

    public TransactionConfig {
        Objects.requireNonNull(defaultTimeout, "defaultTimeout");
        Objects.requireNonNull(maxTimeout, "maxTimeout");
        Objects.requireNonNull(sweepInterval, "sweepInterval");
        if (maxTimeout.isNegative() || maxTimeout.isZero()) {
            throw new IllegalArgumentException("kmb.transactions.max_timeout = " + maxTimeout + " must be positive");
        }
        if (defaultTimeout.isNegative() || defaultTimeout.isZero() || defaultTimeout.compareTo(maxTimeout) > 0) {
            throw new IllegalArgumentException("kmb.transactions.default_timeout = " + defaultTimeout
                    + " must be positive and at most kmb.transactions.max_timeout = " + maxTimeout);
        }
        if (sweepInterval.toMillis() < 1) {
            throw new IllegalArgumentException("kmb.transactions.sweep_interval = " + sweepInterval + " must be >= 1 ms");
        }
    }

    /** The defaults: 60 s, at most 15 min, checked every 250 ms. */
    public static TransactionConfig defaults() {
        return new TransactionConfig(Duration.ofSeconds(60), Duration.ofMinutes(15), Duration.ofMillis(250));
    }
}
