package dev.kmb.broker.store;

import dev.kmb.broker.spi.CursorState;
import dev.kmb.broker.spi.DeadLetterRef;
import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.StateStoreException;
import dev.kmb.broker.spi.SubscriptionRecord;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.broker.spi.TransactionRecord;
import dev.kmb.broker.spi.TransactionState;
import dev.kmb.core.TopicName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state store in plain JDBC on the portable schema ({@code db/migration/common}): every statement here runs
 * unchanged on SQLite and PostgreSQL (upserts are {@code INSERT ... ON CONFLICT}); what differs is in
 * {@link SqlDialect}. A subclass supplies connections and their exclusion ({@link #withConnection}); this class owns
 * SQL, transactions and row mapping. Thread-safe as far as {@link #withConnection} is.
 *
 * <p>Several processes on one database (PostgreSQL): every multi-row write takes its row locks in one global order
 * (cursors and dead-letter refs sorted by key), so two nodes never deadlock on each other; a transaction that still
 * loses to a concurrent one ({@link SqlDialect#isTransient}) runs again, up to {@link #MAX_ATTEMPTS} times.
 */
abstract class JdbcStateStore implements StateStore {

    /** Work on one connection; may throw SQLException, which the store wraps in a {@link StateStoreException}. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Rows per JDBC batch when saving cursors: bounds the driver's buffers for very large saves. */
    static final int CURSOR_BATCH = 500;

    /** Runs of a transaction that failed only because of a concurrent one, before the failure is reported. */
    static final int MAX_ATTEMPTS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(JdbcStateStore.class);

    private static final String TOPIC_COLUMNS = "tenant, name, config, created_at, updated_at";
    private static final String INSERT_TOPIC = "INSERT INTO topics (" + TOPIC_COLUMNS + ") VALUES (?, ?, ?, ?, ?)"
            + " ON CONFLICT (tenant, name) DO NOTHING";
    private static final String SELECT_TOPIC = "SELECT " + TOPIC_COLUMNS + " FROM topics WHERE tenant = ? AND name = ?";
    private static final String SELECT_TOPICS = "SELECT " + TOPIC_COLUMNS + " FROM topics WHERE tenant = ?";
    private static final String SELECT_ALL_TOPICS = "SELECT " + TOPIC_COLUMNS + " FROM topics";
    private static final String SELECT_TOPIC_CONFIG = "SELECT config FROM topics WHERE tenant = ? AND name = ?";
    private static final String UPDATE_TOPIC =
            "UPDATE topics SET config = ?, updated_at = ? WHERE tenant = ? AND name = ?";
    private static final String DELETE_TOPIC = "DELETE FROM topics WHERE tenant = ? AND name = ?";
    private static final String DELETE_TOPIC_CURSORS = "DELETE FROM cursors WHERE tenant = ? AND topic = ?";

    private static final String SUBSCRIPTION_COLUMNS = "tenant, name, config, created_at";
    private static final String INSERT_SUBSCRIPTION = "INSERT INTO subscriptions (" + SUBSCRIPTION_COLUMNS
            + ") VALUES (?, ?, ?, ?) ON CONFLICT (tenant, name) DO NOTHING";
    private static final String SELECT_SUBSCRIPTION = "SELECT " + SUBSCRIPTION_COLUMNS
            + " FROM subscriptions WHERE tenant = ? AND name = ?";
    private static final String SELECT_SUBSCRIPTIONS = "SELECT " + SUBSCRIPTION_COLUMNS
            + " FROM subscriptions WHERE tenant = ?";
    private static final String SELECT_ALL_SUBSCRIPTIONS = "SELECT " + SUBSCRIPTION_COLUMNS + " FROM subscriptions";
    private static final String DELETE_SUBSCRIPTION = "DELETE FROM subscriptions WHERE tenant = ? AND name = ?";
    private static final String DELETE_SUBSCRIPTION_CURSORS =
            "DELETE FROM cursors WHERE tenant = ? AND subscription = ?";

    // The EXISTS guards skip a cursor whose subscription or topic was deleted meanwhile: a foreign-key violation
    // would fail the whole batch, losing the other cursors' progress. (SQLite needs the WHERE before ON CONFLICT
    // anyway, to parse an upsert on INSERT ... SELECT.)
    private static final String UPSERT_CURSOR = """
            INSERT INTO cursors (tenant, subscription, topic, partition, ack_floor, acked_above, updated_at, retries,
                                 seek_generation)
            SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?
            WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.tenant = ? AND s.name = ?)
              AND EXISTS (SELECT 1 FROM topics t WHERE t.tenant = ? AND t.name = ?)
            ON CONFLICT (tenant, subscription, topic, partition) DO UPDATE
              SET ack_floor = excluded.ack_floor, acked_above = excluded.acked_above, updated_at = excluded.updated_at,
                  retries = excluded.retries, seek_generation = excluded.seek_generation
              WHERE cursors.seek_generation <= excluded.seek_generation
            """;
    private static final String SELECT_CURSORS = "SELECT topic, partition, ack_floor, acked_above, retries, seek_generation"
            + " FROM cursors WHERE tenant = ? AND subscription = ?";
    private static final String BUMP_SEEK_GENERATION =
            "UPDATE subscriptions SET seek_generation = seek_generation + 1 WHERE tenant = ? AND name = ?";
    private static final String SELECT_SEEK_GENERATION =
            "SELECT seek_generation FROM subscriptions WHERE tenant = ? AND name = ?";

    // Sorted here, not by ORDER BY: PostgreSQL would order text by the database's locale collation.
    private static final Comparator<TopicRecord> TOPIC_ORDER =
            Comparator.comparing(TopicRecord::tenant).thenComparing(TopicRecord::name);
    private static final Comparator<SubscriptionRecord> SUBSCRIPTION_ORDER =
            Comparator.comparing(SubscriptionRecord::tenant).thenComparing(SubscriptionRecord::name);
    private static final Comparator<CursorState> CURSOR_ORDER =
            Comparator.comparing(CursorState::topic).thenComparingInt(CursorState::partition);
    // The order a save takes its row locks in: the same on every node, so concurrent saves cannot deadlock.
    private static final Comparator<CursorState> CURSOR_KEY_ORDER = Comparator.comparing(CursorState::tenant)
            .thenComparing(CursorState::subscription).thenComparing(CURSOR_ORDER);

    private final Clock clock;
    private final SqlDialect dialect;

    protected JdbcStateStore(Clock clock, SqlDialect dialect) {
        this.clock = clock;
        this.dialect = dialect;
    }

    /** The schema version Flyway reported after migrating at open, e.g. {@code "4"}. */
    abstract String schemaVersion();

    /**
     * Runs {@code work} on a connection in auto-commit mode that no other thread uses meanwhile, wrapping an
     * SQLException in a {@link StateStoreException} that says what failed ({@code what}).
     */
    protected abstract <T> T withConnection(String what, SqlWork<T> work);

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws, and run again
     * when it lost only to a concurrent transaction ({@link SqlDialect#isTransient}); {@code work} must therefore
     * have no effect outside the connection.
     */
    protected final <T> T inTransaction(String what, SqlWork<T> work) {
        return withConnection(what, c -> {
            c.setAutoCommit(false);
            try {
                for (int attempt = 1; ; attempt++) {
                    try {
                        T result = work.run(c);
                        c.commit();
                        return result;
                    } catch (SQLException | RuntimeException e) {
                        try {
                            c.rollback();
                        } catch (SQLException rollbackFailure) {
                            e.addSuppressed(rollbackFailure);
                            throw e;
                        }
                        if (attempt < MAX_ATTEMPTS && e instanceof SQLException s && dialect.isTransient(s)) {
                            LOG.debug("{}: lost to a concurrent transaction ({}), attempt {} of {}", what,
                                    s.getSQLState(), attempt, MAX_ATTEMPTS);
                            continue;
                        }
                        throw e;
                    }
                }
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    // ---- topics

    @Override
    public boolean createTopic(TopicRecord t) {
        String config = StateDocuments.topicConfig(t);
        return withConnection("create topic " + t.tenant() + "/" + t.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT_TOPIC)) {
                ps.setString(1, t.tenant().value());
                ps.setString(2, t.name().value());
                ps.setString(3, config);
                ps.setLong(4, t.createdAt().toEpochMilli());
                ps.setLong(5, t.updatedAt().toEpochMilli());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<TopicRecord> topic(TenantId tenant, TopicName name) {
        List<TopicRecord> found = withConnection("read topic " + tenant + "/" + name,
                c -> queryTopics(c, SELECT_TOPIC, tenant.value(), name.value()));
        return found.stream().findFirst();
    }

    @Override
    public List<TopicRecord> topics(TenantId tenant) {
        return sorted(withConnection("list topics of " + tenant, c -> queryTopics(c, SELECT_TOPICS, tenant.value())),
                TOPIC_ORDER);
    }

    @Override
    public List<TopicRecord> allTopics() {
        return sorted(withConnection("list all topics", c -> queryTopics(c, SELECT_ALL_TOPICS)), TOPIC_ORDER);
    }

    @Override
    public boolean updateTopic(TopicRecord t) {
        return inTransaction("update topic " + t.tenant() + "/" + t.name(), c -> {
            List<String> stored = new ArrayList<>(1);
            try (PreparedStatement ps = prepare(c, dialect.lockingRead(SELECT_TOPIC_CONFIG), t.tenant().value(),
                    t.name().value());
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            if (stored.isEmpty()) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement(UPDATE_TOPIC)) {
                ps.setString(1, StateDocuments.mergeTopicConfig(stored.get(0), t));
                ps.setLong(2, t.updatedAt().toEpochMilli());
                ps.setString(3, t.tenant().value());
                ps.setString(4, t.name().value());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean deleteTopic(TenantId tenant, TopicName name) {
        // The foreign key cascades too; deleting explicitly keeps the promise even on a connection without it.
        return inTransaction("delete topic " + tenant + "/" + name, c -> {
            update(c, DELETE_TOPIC_CURSORS, tenant.value(), name.value());
            return update(c, DELETE_TOPIC, tenant.value(), name.value()) == 1;
        });
    }

    private static List<TopicRecord> queryTopics(Connection c, String sql, String... keys) throws SQLException {
        List<TopicRecord> result = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, keys); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String tenant = rs.getString(1);
                String name = rs.getString(2);
                try {
                    result.add(new TopicRecord(TenantId.of(tenant), TopicName.of(name),
                            StateDocuments.topicSpec(rs.getString(3)), Instant.ofEpochMilli(rs.getLong(4)),
                            Instant.ofEpochMilli(rs.getLong(5)), StateDocuments.dedupWindow(rs.getString(3))));
                } catch (IllegalArgumentException e) {
                    throw corruptRow("topics", tenant + "/" + name, e);
                }
            }
        }
        return result;
    }

    // ---- subscriptions

    @Override
    public boolean createSubscription(SubscriptionRecord s) {
        String config = StateDocuments.subscriptionConfig(s);
        return withConnection("create subscription " + s.tenant() + "/" + s.name(), c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT_SUBSCRIPTION)) {
                ps.setString(1, s.tenant().value());
                ps.setString(2, s.name());
                ps.setString(3, config);
                ps.setLong(4, s.createdAt().toEpochMilli());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public Optional<SubscriptionRecord> subscription(TenantId tenant, String name) {
        List<SubscriptionRecord> found = withConnection("read subscription " + tenant + "/" + name,
                c -> querySubscriptions(c, SELECT_SUBSCRIPTION, tenant.value(), name));
        return found.stream().findFirst();
    }

    @Override
    public List<SubscriptionRecord> subscriptions(TenantId tenant) {
        return sorted(withConnection("list subscriptions of " + tenant,
                c -> querySubscriptions(c, SELECT_SUBSCRIPTIONS, tenant.value())), SUBSCRIPTION_ORDER);
    }

    @Override
    public List<SubscriptionRecord> allSubscriptions() {
        return sorted(withConnection("list all subscriptions", c -> querySubscriptions(c, SELECT_ALL_SUBSCRIPTIONS)),
                SUBSCRIPTION_ORDER);
    }

    @Override
    public boolean deleteSubscription(TenantId tenant, String name) {
        return inTransaction("delete subscription " + tenant + "/" + name, c -> {
            update(c, DELETE_SUBSCRIPTION_CURSORS, tenant.value(), name);
            update(c, "DELETE FROM subscription_leases WHERE tenant = ? AND subscription = ?", tenant.value(), name);
            return update(c, DELETE_SUBSCRIPTION, tenant.value(), name) == 1;
        });
    }

    private static List<SubscriptionRecord> querySubscriptions(Connection c, String sql, String... keys)
            throws SQLException {
        List<SubscriptionRecord> result = new ArrayList<>();
        try (PreparedStatement ps = prepare(c, sql, keys); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String tenant = rs.getString(1);
                String name = rs.getString(2);
                try {
                    result.add(StateDocuments.subscription(TenantId.of(tenant), name, rs.getString(3),
                            Instant.ofEpochMilli(rs.getLong(4))));
                } catch (IllegalArgumentException e) {
                    throw corruptRow("subscriptions", tenant + "/" + name, e);
                }
            }
        }
        return result;
    }

    // ---- cursors

    @Override
    public void saveCursors(Collection<CursorState> cursors) {
        if (cursors.isEmpty()) {
            return;
        }
        EncodedCursors rows = EncodedCursors.of(cursors);
        long now = clock.millis();
        inTransaction("save " + rows.states().length + " cursors", c -> {
            upsertCursors(c, rows, now);
            return null;
        });
    }

    @Override
    public long beginSeek(TenantId tenant, String subscription, Collection<CursorState> cursors) {
        EncodedCursors rows = EncodedCursors.of(cursors);
        long now = clock.millis();
        return inTransaction("seek " + tenant + "/" + subscription, c -> {
            long generation;
            try (PreparedStatement bump = prepare(c, BUMP_SEEK_GENERATION, tenant.value(), subscription)) {
                if (bump.executeUpdate() == 0) {
                    throw new StateStoreException("cannot seek " + tenant + "/" + subscription + ": no such subscription", null);
                }
            }
            try (PreparedStatement read = prepare(c, SELECT_SEEK_GENERATION, tenant.value(), subscription);
                 ResultSet rs = read.executeQuery()) {
                rs.next();
                generation = rs.getLong(1);
            }
            upsertCursors(c, rows.withSeekGeneration(generation), now);
            return generation;
        });
    }

    @Override
    public long seekGeneration(TenantId tenant, String subscription) {
        return withConnection("read the seek generation of " + tenant + "/" + subscription, c -> {
            try (PreparedStatement ps = prepare(c, SELECT_SEEK_GENERATION, tenant.value(), subscription);
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    /**
     * Cursor rows in key order with their columns encoded, done before taking the connection (the store's one
     * bottleneck).
     */
    private record EncodedCursors(CursorState[] states, String[] acked, String[] retries) {

        static EncodedCursors of(Collection<CursorState> cursors) {
            CursorState[] states = cursors.toArray(CursorState[]::new);
            Arrays.sort(states, CURSOR_KEY_ORDER);
            String[] acked = new String[states.length];
            String[] retries = new String[states.length];
            for (int i = 0; i < states.length; i++) {
                acked[i] = AckedSetCodec.encode(states[i].ackFloor(), states[i].acked());
                retries[i] = StateDocuments.retries(states[i].retries());
            }
            return new EncodedCursors(states, acked, retries);
        }

        /** The same rows stamped with a seek generation (the encoded columns do not depend on it). */
        EncodedCursors withSeekGeneration(long generation) {
            CursorState[] stamped = new CursorState[states.length];
            for (int i = 0; i < states.length; i++) {
                stamped[i] = states[i].withSeekGeneration(generation);
            }
            return new EncodedCursors(stamped, acked, retries);
        }
    }

    /** Writes cursor rows; a row stored with a newer seek generation than the one written stays as it is. */
    private static void upsertCursors(Connection c, EncodedCursors rows, long now) throws SQLException {
        CursorState[] states = rows.states();
        String[] encoded = rows.acked();
        String[] retries = rows.retries();
        try (PreparedStatement ps = c.prepareStatement(UPSERT_CURSOR)) {
            int pending = 0;
            for (int i = 0; i < states.length; i++) {
                CursorState s = states[i];
                String tenant = s.tenant().value();
                String topic = s.topic().value();
                ps.setString(1, tenant);
                ps.setString(2, s.subscription());
                ps.setString(3, topic);
                ps.setInt(4, s.partition());
                ps.setLong(5, s.ackFloor());
                ps.setString(6, encoded[i]);
                ps.setLong(7, now);
                ps.setString(8, retries[i]);
                ps.setLong(9, s.seekGeneration());
                ps.setString(10, tenant);
                ps.setString(11, s.subscription());
                ps.setString(12, tenant);
                ps.setString(13, topic);
                ps.addBatch();
                if (++pending == CURSOR_BATCH) {
                    ps.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    @Override
    public List<CursorState> cursors(TenantId tenant, String subscription) {
        List<CursorState> result = withConnection("read cursors of " + tenant + "/" + subscription, c -> {
            List<CursorState> rows = new ArrayList<>();
            try (PreparedStatement ps = prepare(c, SELECT_CURSORS, tenant.value(), subscription);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String topic = rs.getString(1);
                    int partition = rs.getInt(2);
                    try {
                        long floor = rs.getLong(3);
                        rows.add(new CursorState(tenant, subscription, TopicName.of(topic), partition, floor,
                                AckedSetCodec.decodeRanges(floor, rs.getString(4)), StateDocuments.retries(rs.getString(5)),
                                rs.getLong(6)));
                    } catch (IllegalArgumentException | StateStoreException e) {
                        throw corruptRow("cursors", tenant + "/" + subscription + " " + topic + "-" + partition, e);
                    }
                }
            }
            return rows;
        });
        return sorted(result, CURSOR_ORDER);
    }

    // ---- dead letters a redrive claimed or moved (the SQL is in DeadLetterMarkSql)

    @Override
    public Set<Long> hiddenDeadLetters(TenantId tenant, TopicName topic, int partition, long fromOffset, long toOffset,
                                       long claimedSinceMillis) {
        return withConnection("read redrive marks of " + tenant + "/" + topic + "-" + partition,
                c -> DeadLetterMarkSql.hidden(c, tenant, topic, partition, fromOffset, toOffset, claimedSinceMillis));
    }

    @Override
    public List<DeadLetterRef> claimDeadLetters(String claim, List<DeadLetterRef> refs, long nowMillis,
                                                long staleBeforeMillis) {
        if (refs.isEmpty()) {
            return List.of();
        }
        return inTransaction("claim " + refs.size() + " dead letters",
                c -> List.copyOf(DeadLetterMarkSql.claim(c, claim, refs, nowMillis, staleBeforeMillis)));
    }

    @Override
    public void markRedriven(String claim, Collection<DeadLetterRef> refs, long nowMillis) {
        if (!refs.isEmpty()) {
            inTransaction("mark " + refs.size() + " dead letters redriven", c -> {
                DeadLetterMarkSql.markRedriven(c, claim, refs, nowMillis);
                return null;
            });
        }
    }

    @Override
    public void releaseDeadLetters(String claim, Collection<DeadLetterRef> refs) {
        if (!refs.isEmpty()) {
            inTransaction("release " + refs.size() + " dead letters", c -> {
                DeadLetterMarkSql.release(c, claim, refs);
                return null;
            });
        }
    }

    @Override
    public void pruneDeadLetterMarks(TenantId tenant, TopicName topic, int partition, long belowOffset) {
        withConnection("prune redrive marks of " + tenant + "/" + topic + "-" + partition, c -> {
            DeadLetterMarkSql.prune(c, tenant, topic, partition, belowOffset);
            return null;
        });
    }

    // ---- leases

    private static final String ACQUIRE_LEASE = """
            INSERT INTO subscription_leases (tenant, subscription, holder, expires_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (tenant, subscription) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE subscription_leases.holder = excluded.holder OR subscription_leases.expires_at <= ?""";
    private static final String RELEASE_LEASE =
            "DELETE FROM subscription_leases WHERE tenant = ? AND subscription = ? AND holder = ?";

    @Override
    public boolean acquireLease(TenantId tenant, String subscription, String holder, long nowMillis, long ttlMillis) {
        return inTransaction("lease " + tenant + "/" + subscription, c -> {
            try (PreparedStatement ps = c.prepareStatement(ACQUIRE_LEASE)) {
                ps.setString(1, tenant.value());
                ps.setString(2, subscription);
                ps.setString(3, holder);
                ps.setLong(4, nowMillis + ttlMillis);
                ps.setLong(5, nowMillis);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void releaseLease(TenantId tenant, String subscription, String holder) {
        withConnection("release lease " + tenant + "/" + subscription, c -> update(c, RELEASE_LEASE, tenant.value(),
                subscription, holder));
    }

    // ---- transactions (the SQL is in TransactionSql)

    @Override
    public boolean createTransaction(TransactionRecord transaction) {
        return withConnection("create transaction " + transaction.tenant() + "/" + transaction.id(),
                c -> TransactionSql.insert(c, transaction));
    }

    @Override
    public boolean updateTransaction(TransactionRecord transaction, TransactionState expected) {
        return withConnection("update transaction " + transaction.tenant() + "/" + transaction.id(),
                c -> TransactionSql.update(c, transaction, expected));
    }

    @Override
    public Optional<TransactionRecord> transaction(TenantId tenant, String id) {
        return withConnection("read transaction " + tenant + "/" + id, c -> TransactionSql.select(c, tenant, id));
    }

    @Override
    public List<TransactionRecord> unfinishedTransactions() {
        return withConnection("read unfinished transactions", TransactionSql::unfinished);
    }

    @Override
    public long maxProducerId() {
        return withConnection("read the largest producer id", TransactionSql::maxProducerId);
    }

    // ---- helpers

    private static PreparedStatement prepare(Connection c, String sql, String... keys) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < keys.length; i++) {
                ps.setString(i + 1, keys[i]);
            }
            return ps;
        } catch (SQLException e) {
            ps.close();
            throw e;
        }
    }

    private static int update(Connection c, String sql, String... keys) throws SQLException {
        try (PreparedStatement ps = prepare(c, sql, keys)) {
            return ps.executeUpdate();
        }
    }

    private static <T> List<T> sorted(List<T> list, Comparator<? super T> order) {
        list.sort(order);
        return List.copyOf(list);
    }

    private static StateStoreException corruptRow(String table, String key, RuntimeException cause) {
        return new StateStoreException("corrupt row in " + table + " (" + key + "): " + cause.getMessage(), cause);
    }
}
