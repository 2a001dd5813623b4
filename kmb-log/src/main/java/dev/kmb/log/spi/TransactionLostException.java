package dev.kmb.log.spi;

/**
 * The log ended a transaction on its own, as aborted, so no marker can commit it any more: on Kafka its producer was
 * fenced (another producer took its {@code transactional.id}) or Kafka timed the transaction out. The coordinator
 * stores it as aborted instead of retrying the commit.
 */
public class TransactionLostException extends LogException {
    private static final long serialVersionUID = 1L;

    public TransactionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
