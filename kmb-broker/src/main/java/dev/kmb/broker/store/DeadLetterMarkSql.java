package dev.kmb.broker.store;

import dev.kmb.broker.spi.DeadLetterRef;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.TopicName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The statements on {@code dead_letter_marks} (schema V4), portable to SQLite and PostgreSQL. The caller supplies the
 * connection and the transaction; see {@link JdbcStateStore}. Stateless.
 *
 * <p>Across processes (PostgreSQL) a claim is decided by the row itself: the upsert either inserts the row or updates
 * it under its row lock, re-checking the {@code WHERE} on the newest committed version, so of two concurrent claims
 * exactly one counts 1. Multi-row writes take the rows in {@link #KEY_ORDER}, the same on every node, so two redrives
 * on overlapping selections wait for each other instead of deadlocking.
 */
final class DeadLetterMarkSql {

    private static final String SELECT_HIDDEN = """
            SELECT dlq_offset FROM dead_letter_marks
            WHERE tenant = ? AND topic = ? AND partition = ? AND dlq_offset >= ? AND dlq_offset < ?
              AND (state = 'redriven' OR claimed_at >= ?)
            """;
    // A row is claimed when it is new, or when its claim is older than the lease and it was never redriven. The
    // update count says which: 1 claimed, 0 someone else holds it (or it is gone from the view).
    private static final String CLAIM = """
            INSERT INTO dead_letter_marks (tenant, topic, partition, dlq_offset, state, claim, claimed_at, redriven_at)
            VALUES (?, ?, ?, ?, 'claimed', ?, ?, 0)
            ON CONFLICT (tenant, topic, partition, dlq_offset) DO UPDATE
              SET claim = excluded.claim, claimed_at = excluded.claimed_at
              WHERE dead_letter_marks.state = 'claimed' AND dead_letter_marks.claimed_at < ?
            """;
    private static final String MARK_REDRIVEN = """
            UPDATE dead_letter_marks SET state = 'redriven', redriven_at = ?
            WHERE tenant = ? AND topic = ? AND partition = ? AND dlq_offset = ? AND claim = ?
            """;
    private static final String RELEASE = """
            DELETE FROM dead_letter_marks
            WHERE tenant = ? AND topic = ? AND partition = ? AND dlq_offset = ? AND claim = ? AND state = 'claimed'
            """;
    private static final String PRUNE =
            "DELETE FROM dead_letter_marks WHERE tenant = ? AND topic = ? AND partition = ? AND dlq_offset < ?";

    private static final Comparator<DeadLetterRef> KEY_ORDER = Comparator.comparing(DeadLetterRef::tenant)
            .thenComparing(DeadLetterRef::topic).thenComparingInt(DeadLetterRef::partition)
            .thenComparingLong(DeadLetterRef::offset);

    private DeadLetterMarkSql() {
    }

    static Set<Long> hidden(Connection c, TenantId tenant, TopicName topic, int partition, long from, long to,
                            long claimedSince) throws SQLException {
        Set<Long> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT_HIDDEN)) {
            ps.setString(1, tenant.value());
            ps.setString(2, topic.value());
            ps.setInt(3, partition);
            ps.setLong(4, from);
            ps.setLong(5, to);
            ps.setLong(6, claimedSince);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
        }
        return out;
    }

    static List<DeadLetterRef> claim(Connection c, String claim, List<DeadLetterRef> refs, long now, long staleBefore)
            throws SQLException {
        Set<DeadLetterRef> claimed = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            for (DeadLetterRef r : inKeyOrder(refs)) {
                setRef(ps, 1, r);
                ps.setString(5, claim);
                ps.setLong(6, now);
                ps.setLong(7, staleBefore);
                if (ps.executeUpdate() == 1) { // one by one: batch update counts are driver-dependent
                    claimed.add(r);
                }
            }
        }
        return refs.stream().filter(claimed::remove).toList(); // the order given, a repeated ref once
    }

    static void markRedriven(Connection c, String claim, Collection<DeadLetterRef> refs, long now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MARK_REDRIVEN)) {
            for (DeadLetterRef r : inKeyOrder(refs)) {
                ps.setLong(1, now);
                setRef(ps, 2, r);
                ps.setString(6, claim);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static void release(Connection c, String claim, Collection<DeadLetterRef> refs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
            for (DeadLetterRef r : inKeyOrder(refs)) {
                setRef(ps, 1, r);
                ps.setString(5, claim);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static void prune(Connection c, TenantId tenant, TopicName topic, int partition, long below) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PRUNE)) {
            ps.setString(1, tenant.value());
            ps.setString(2, topic.value());
            ps.setInt(3, partition);
            ps.setLong(4, below);
            ps.executeUpdate();
        }
    }

    private static List<DeadLetterRef> inKeyOrder(Collection<DeadLetterRef> refs) {
        List<DeadLetterRef> sorted = new ArrayList<>(refs);
        sorted.sort(KEY_ORDER);
        return sorted;
    }

    private static void setRef(PreparedStatement ps, int first, DeadLetterRef r) throws SQLException {
        ps.setString(first, r.tenant().value());
        ps.setString(first + 1, r.topic().value());
        ps.setInt(first + 2, r.partition());
        ps.setLong(first + 3, r.offset());
    }
}
