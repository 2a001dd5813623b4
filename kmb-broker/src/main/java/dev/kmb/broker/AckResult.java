package dev.kmb.broker;

import java.util.List;
import java.util.UUID;

/** The outcome of an ack or nack: how many ids were settled, and which ids were not in flight. */
public record AckResult(int settled, List<UUID> unknown) {
    public AckResult {
        unknown = List.copyOf(unknown);
    }
}
