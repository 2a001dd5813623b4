package dev.kmb.core;

/** Thrown when a topic pattern breaks the grammar ({@code invalid_pattern}); the message names the offending part. */
public class InvalidPatternException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public InvalidPatternException(String message) {
        super(ProblemCode.INVALID_PATTERN, message);
    }
}
