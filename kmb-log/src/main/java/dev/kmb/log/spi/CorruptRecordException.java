package dev.kmb.log.spi;

/** A stored batch failed its CRC or structure check: the log never serves it as valid. */
public class CorruptRecordException extends LogException {
    private static final long serialVersionUID = 1L;

    public CorruptRecordException(String message) {
        super(message);
    }
}
