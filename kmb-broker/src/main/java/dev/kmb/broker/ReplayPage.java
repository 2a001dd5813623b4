package dev.kmb.broker;

import java.util.List;

/**
 * One page of replayed messages, oldest first (by timestamp across partitions), each the stored envelope
 * with {@code partition} and {@code offset} added; {@code next} resumes after the page.
 */
public record ReplayPage(List<byte[]> messages, String next) {
    public ReplayPage {
        messages = List.copyOf(messages);
    }
}
