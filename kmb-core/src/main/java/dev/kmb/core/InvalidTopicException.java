package dev.kmb.core;

/** Thrown when a topic name or pattern breaks the grammar; the message names the offending part. */
public class InvalidTopicException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String message) {
        super(message);
    }
}
