package dev.kmb.broker.spi;

/**
 * A real failure of the state store (I/O, a locked or corrupt database, a closed store); unchecked. Expected
 * outcomes such as "already exists" or "not found" are return values, not this.
 */
public class StateStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateStoreException(String message) {
        super(message);
    }

    public StateStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
