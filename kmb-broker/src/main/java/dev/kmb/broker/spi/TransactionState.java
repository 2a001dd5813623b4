package dev.kmb.broker.spi;

import java.util.Locale;

/** Where a transaction is in its life; the wire and stored name is the lower-case one. */
public enum TransactionState {
    /** Takes publishes until commit, rollback or its timeout. */
    OPEN,
    /** Decided to commit; markers are being written (rolled forward after a crash). */
    COMMITTING,
    /** Every message is visible. */
    COMMITTED,
    /** Decided to abort (rollback or timeout); markers are being written. */
    ABORTING,
    /** Every message is discarded. */
    ABORTED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TransactionState fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** True once commit or rollback has been decided: no more publishes. */
    public boolean closed() {
        return this != OPEN;
    }
}
