package dev.kmb.log.spi;

/**
 * The outcome a control record writes into each partition a transaction touched, as Kafka's
 * {@code ControlRecordType}: the ids are stored on disk (in the control record's key) and never change.
 */
public enum TxnMarker {
    /** The transaction's records are discarded: readers skip them. */
    ABORT(0),
    /** The transaction's records become readable. */
    COMMIT(1);

    private final short id;

    TxnMarker(int id) {
        this.id = (short) id;
    }

    /** The id stored in the control record. */
    public short id() {
        return id;
    }

    /** The marker of a stored id; throws for an unknown one (a corrupt or newer record). */
    public static TxnMarker fromId(int id) {
        for (TxnMarker m : values()) {
            if (m.id == id) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown transaction marker id " + id);
    }
}
