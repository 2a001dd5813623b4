package dev.kmb.log.spi;

/** A real failure of the log (I/O, corruption, misuse); expected outcomes are values, not this. */
public class LogException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogException(String message) {
        super(message);
    }

    public LogException(String message, Throwable cause) {
        super(message, cause);
    }
}
