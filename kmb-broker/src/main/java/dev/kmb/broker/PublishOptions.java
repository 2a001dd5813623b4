package dev.kmb.broker;

/**
 * How a publish is treated beyond its envelopes. Immutable.
 *
 * @param dedup check each id against its topic's dedup window ({@code false} for the bus's own re-publishes: a
 *              redriven dead letter carries its original's id and must not be answered as that original's duplicate)
 */
public record PublishOptions(boolean dedup) {

    /** An ordinary publish. */
    public static final PublishOptions DEFAULT = new PublishOptions(true);

    /** A publish that appends even ids seen within the window (redrive). */
    public static final PublishOptions NO_DEDUP = new PublishOptions(false);
}
