package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A durable subscription: its key (tenant, name), the topics it follows and how it delivers. Immutable and
 * thread-safe.
 *
 * <p>Every default sits here, next to its key, and {@link #builder} starts from them. Durations and times are kept at
 * millisecond precision (what the store keeps), so a record read back equals the one written. Validation messages
 * name the wire key ({@code ack_timeout}, {@code max_in_flight}, ...) and the bad value.
 *
 * @param tenant        owner of the subscription
 * @param name          {@code [A-Za-z0-9_.-]{1,128}}, unique within the tenant
 * @param pattern       the topics it follows
 * @param mode          how messages spread over its members
 * @param start         where it starts on a partition it has no cursor for yet
 * @param ackTimeout    a delivery not settled within this is redelivered; &gt; 0
 * @param maxDeliveries after this many attempts a message goes to the dead-letter topic; &ge; 1
 * @param backoff       wait before attempt n+1 is {@code backoff[min(n-1, size-1)]}; entries &ge; 0, at most
 *                      {@value #MAX_BACKOFF_STEPS}; empty means redeliver at once
 * @param maxInFlight   unsettled deliveries per member at most; 1..{@value #MAX_IN_FLIGHT_LIMIT}
 * @param createdAt     when the subscription was created
 * @param ordering      whether a key's later messages wait while an earlier one is in backoff
 * @param deadLetterTopic where given-up messages go; empty means {@code kmb.system.dlq}
 * @param deadLetterExpired whether messages whose ttl ran out are dead-lettered (else only counted and dropped)
 */
public record SubscriptionRecord(TenantId tenant, String name, TopicPattern pattern, SubscriptionMode mode,
                                 StartPosition start, Duration ackTimeout, int maxDeliveries, List<Duration> backoff,
                                 int maxInFlight, Instant createdAt, Ordering ordering,
                                 Optional<TopicName> deadLetterTopic, boolean deadLetterExpired) {

    /** {@code mode}: shared. */
    public static final SubscriptionMode DEFAULT_MODE = SubscriptionMode.SHARED;
    /** {@code start}: latest. */
    public static final StartPosition DEFAULT_START = StartPosition.LATEST;
    /** {@code ack_timeout}: 30 s. */
    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(30);
    /** {@code max_deliveries}: 3. */
    public static final int DEFAULT_MAX_DELIVERIES = 3;
    /** {@code backoff}: 1 s, 5 s, 15 s. */
    public static final List<Duration> DEFAULT_BACKOFF =
            List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15));
    /** {@code max_in_flight}: 1000. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;

    /** Upper bound of {@code max_in_flight}: the broker holds that many deliveries per member in memory. */
    public static final int MAX_IN_FLIGHT_LIMIT = 100_000;
    /** Upper bound on the length of {@code backoff}; attempts past the list reuse its last entry. */
    public static final int MAX_BACKOFF_STEPS = 64;
    /** Longest accepted subscription name. */
    public static final int MAX_NAME_LENGTH = 128;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_NAME_LENGTH + "}");

    public SubscriptionRecord {
        Objects.requireNonNull(tenant, "tenant");
        checkName(name);
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(start, "start");
        ackTimeout = Objects.requireNonNull(ackTimeout, "ack_timeout").truncatedTo(ChronoUnit.MILLIS);
        if (!ackTimeout.isPositive()) {
            throw new IllegalArgumentException("ack_timeout must be at least 1 ms, was " + ackTimeout);
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("max_deliveries must be >= 1, was " + maxDeliveries);
        }
        backoff = checkBackoff(backoff);
        if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
            throw new IllegalArgumentException("max_in_flight must be in 1.." + MAX_IN_FLIGHT_LIMIT + ", was "
                    + maxInFlight);
        }
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
        Objects.requireNonNull(ordering, "ordering");
        Objects.requireNonNull(deadLetterTopic, "dead_letter_topic");
    }

    private static List<Duration> checkBackoff(List<Duration> backoff) {
        Objects.requireNonNull(backoff, "backoff");
        if (backoff.size() > MAX_BACKOFF_STEPS) {
            throw new IllegalArgumentException("backoff has " + backoff.size() + " entries, at most "
                    + MAX_BACKOFF_STEPS + " are allowed");
        }
        Duration[] copy = new Duration[backoff.size()];
        for (int i = 0; i < copy.length; i++) {
            Duration d = Objects.requireNonNull(backoff.get(i), "backoff[" + i + "]");
            if (d.isNegative()) {
                throw new IllegalArgumentException("backoff[" + i + "] must be >= 0, was " + d);
            }
            copy[i] = d.truncatedTo(ChronoUnit.MILLIS);
        }
        return List.of(copy);
    }

    /**
     * Checks a subscription name.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("subscription name '" + name + "' is not valid: 1.."
                    + MAX_NAME_LENGTH + " characters of A-Z a-z 0-9 _ . -");
        }
        return name;
    }

    /** A builder holding every default; only the key and the pattern are required. */
    public static Builder builder(TenantId tenant, String name, TopicPattern pattern) {
        return new Builder(tenant, name, pattern);
    }

    /** Collects settings and validates them all in {@link #build}. Not thread-safe; use from one thread. */
    public static final class Builder {
        private final TenantId tenant;
        private final String name;
        private final TopicPattern pattern;
        private SubscriptionMode mode = DEFAULT_MODE;
        private StartPosition start = DEFAULT_START;
        private Duration ackTimeout = DEFAULT_ACK_TIMEOUT;
        private int maxDeliveries = DEFAULT_MAX_DELIVERIES;
        private List<Duration> backoff = DEFAULT_BACKOFF;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private Ordering ordering; // null: the mode's default
        private Optional<TopicName> deadLetterTopic = Optional.empty();
        private boolean deadLetterExpired;

        private Builder(TenantId tenant, String name, TopicPattern pattern) {
            this.tenant = tenant;
            this.name = name;
            this.pattern = pattern;
        }

        public Builder mode(SubscriptionMode value) {
            this.mode = value;
            return this;
        }

        public Builder start(StartPosition value) {
            this.start = value;
            return this;
        }

        public Builder ackTimeout(Duration value) {
            this.ackTimeout = value;
            return this;
        }

        public Builder maxDeliveries(int value) {
            this.maxDeliveries = value;
            return this;
        }

        public Builder backoff(List<Duration> value) {
            this.backoff = value;
            return this;
        }

        public Builder maxInFlight(int value) {
            this.maxInFlight = value;
            return this;
        }

        /** Default: strict for key_shared, exclusive and failover; relaxed for shared. */
        public Builder ordering(Ordering value) {
            this.ordering = value;
            return this;
        }

        /** Default: none, so given-up messages go to {@code kmb.system.dlq}. */
        public Builder deadLetterTopic(Optional<TopicName> value) {
            this.deadLetterTopic = value;
            return this;
        }

        /** Default: false. */
        public Builder deadLetterExpired(boolean value) {
            this.deadLetterExpired = value;
            return this;
        }

        /** The validated record, created at {@code createdAt}. */
        public SubscriptionRecord build(Instant createdAt) {
            return new SubscriptionRecord(tenant, name, pattern, mode, start, ackTimeout, maxDeliveries, backoff,
                    maxInFlight, createdAt, ordering == null ? Ordering.defaultFor(mode) : ordering, deadLetterTopic,
                    deadLetterExpired);
        }
    }
}
