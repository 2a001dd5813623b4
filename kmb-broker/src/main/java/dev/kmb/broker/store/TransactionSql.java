package dev.kmb.broker.store;

import dev.kmb.broker.spi.StateStoreException;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TransactionRecord;
import dev.kmb.broker.spi.TransactionState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The statements on {@code transactions} (schema V5, the owning node since V7), portable to SQLite and PostgreSQL. The caller supplies the
 * connection; see {@link JdbcStateStore}. Stateless.
 */
final class TransactionSql {

    private static final String COLUMNS =
            "tenant, id, producer_id, state, reason, timeout_ms, created_at, expires_at, updated_at, node";
    private static final String INSERT = "INSERT INTO transactions (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT DO NOTHING";
    private static final String UPDATE = "UPDATE transactions SET state = ?, reason = ?, updated_at = ?"
            + " WHERE tenant = ? AND id = ? AND state = ?";
    private static final String SELECT = "SELECT " + COLUMNS + " FROM transactions WHERE tenant = ? AND id = ?";
    private static final String SELECT_UNFINISHED = "SELECT " + COLUMNS + " FROM transactions"
            + " WHERE state IN ('open', 'committing', 'aborting')";
    private static final String MAX_PRODUCER_ID = "SELECT COALESCE(MAX(producer_id), 0) FROM transactions";

    private TransactionSql() {
    }

    static boolean insert(Connection c, TransactionRecord t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, t.tenant().value());
            ps.setString(2, t.id());
            ps.setLong(3, t.producerId());
            ps.setString(4, t.state().wireName());
            ps.setString(5, t.reason());
            ps.setLong(6, t.timeout().toMillis());
            ps.setLong(7, t.createdAt().toEpochMilli());
            ps.setLong(8, t.expiresAt().toEpochMilli());
            ps.setLong(9, t.updatedAt().toEpochMilli());
            ps.setString(10, t.node());
            return ps.executeUpdate() == 1;
        }
    }

    static boolean update(Connection c, TransactionRecord t, TransactionState expected) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPDATE)) {
            ps.setString(1, t.state().wireName());
            ps.setString(2, t.reason());
            ps.setLong(3, t.updatedAt().toEpochMilli());
            ps.setString(4, t.tenant().value());
            ps.setString(5, t.id());
            ps.setString(6, expected.wireName());
            return ps.executeUpdate() == 1;
        }
    }

    static Optional<TransactionRecord> select(Connection c, TenantId tenant, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setString(1, tenant.value());
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    static List<TransactionRecord> unfinished(Connection c) throws SQLException {
        List<TransactionRecord> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT_UNFINISHED); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(row(rs));
            }
        }
        out.sort((a, b) -> Long.compare(a.producerId(), b.producerId()));
        return List.copyOf(out);
    }

    static long maxProducerId(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MAX_PRODUCER_ID); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static TransactionRecord row(ResultSet rs) throws SQLException {
        String tenant = rs.getString(1);
        String id = rs.getString(2);
        try {
            return new TransactionRecord(TenantId.of(tenant), id, rs.getLong(3),
                    TransactionState.fromWireName(rs.getString(4)), rs.getString(5), Duration.ofMillis(rs.getLong(6)),
                    Instant.ofEpochMilli(rs.getLong(7)), Instant.ofEpochMilli(rs.getLong(8)),
                    Instant.ofEpochMilli(rs.getLong(9)), rs.getString(10));
        } catch (IllegalArgumentException e) {
            throw new StateStoreException("corrupt row in transactions (" + tenant + "/" + id + "): " + e.getMessage(), e);
        }
    }
}
