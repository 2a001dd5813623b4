package dev.kmb.core;

/** Thrown when a topic name breaks the grammar ({@code invalid_topic}); the message names the offending part. */
public class InvalidTopicException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String message) {
        super(ProblemCode.INVALID_TOPIC, message);
    }
}
