package dev.kmb.broker.spi;

import dev.kmb.core.TopicName;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The broker's metadata: topics, durable subscriptions, their cursors, and the dead letters a redrive claimed or moved
 * (the messages themselves live in the log).
 * Implementations are thread-safe; what survives a crash is stated by each one. SQLite in embedded mode,
 * PostgreSQL in cluster mode, on the same schema.
 *
 * <p>Expected outcomes are values ({@code false}, {@link Optional#empty()}); real failures throw
 * {@link StateStoreException}. Every key starts with a {@link TenantId}; lists of one tenant never show another's.
 * Lists are in code-point order of their keys (tenant, then name; cursors by topic, then partition).
 */
public interface StateStore extends AutoCloseable {

    /** Stores a new topic; {@code false} when the tenant already has a topic of that name (nothing changes). */
    boolean createTopic(TopicRecord topic);

    /** The tenant's topic of that name. */
    Optional<TopicRecord> topic(TenantId tenant, TopicName name);

    /** The tenant's topics, by name. */
    List<TopicRecord> topics(TenantId tenant);

    /** Every tenant's topics, by tenant then name: what the broker loads at start-up. */
    List<TopicRecord> allTopics();

    /**
     * Replaces a topic's spec and {@code updatedAt} ({@code createdAt} stays as stored); {@code false} when there is
     * no such topic. Configuration fields this version does not know (written by a newer one) are kept.
     */
    boolean updateTopic(TopicRecord topic);

    /** Deletes a topic and every cursor on it, at once; {@code false} when there was no such topic. */
    boolean deleteTopic(TenantId tenant, TopicName name);

    /** Stores a new subscription; {@code false} when the tenant already has one of that name (nothing changes). */
    boolean createSubscription(SubscriptionRecord subscription);

    /** The tenant's subscription of that name. */
    Optional<SubscriptionRecord> subscription(TenantId tenant, String name);

    /** The tenant's subscriptions, by name. */
    List<SubscriptionRecord> subscriptions(TenantId tenant);

    /** Every tenant's subscriptions, by tenant then name: what the broker loads at start-up. */
    List<SubscriptionRecord> allSubscriptions();

    /** Deletes a subscription and all its cursors, at once; {@code false} when there was no such subscription. */
    boolean deleteSubscription(TenantId tenant, String name);

    /**
     * Inserts or replaces each cursor, all in one transaction: after a crash either all are stored or none. On the
     * ack path, so implementations batch. A cursor whose subscription or topic no longer exists is skipped, not
     * stored: the delete won the race, and a stale cursor must never outlive its topic into a namesake created
     * later.
     */
    void saveCursors(Collection<CursorState> cursors);

    /**
     * Cluster seek: raises the subscription's seek generation and writes {@code cursors} stamped with it, in one
     * transaction; from then on a cursor write stamped with an older generation leaves the stored row as it is (see
     * {@link CursorState#seekGeneration()}). Returns the new generation.
     *
     * @throws StateStoreException when the subscription does not exist, or the store fails
     */
    long beginSeek(TenantId tenant, String subscription, Collection<CursorState> cursors);

    /** The subscription's seek generation: 0 before any cluster seek, or when it does not exist. */
    long seekGeneration(TenantId tenant, String subscription);

    /** The subscription's cursors, by topic then partition; empty for an unknown subscription. */
    List<CursorState> cursors(TenantId tenant, String subscription);

    /**
     * Offsets in {@code [fromOffset, toOffset)} of a dead-letter partition that are out of the dead-letter view: moved
     * by a redrive, or claimed by one at or after {@code claimedSinceMillis} (older claims are abandoned).
     */
    Set<Long> hiddenDeadLetters(TenantId tenant, TopicName topic, int partition, long fromOffset, long toOffset,
                                long claimedSinceMillis);

    /**
     * Claims dead letters for the redrive {@code claim}, all in one transaction: a dead letter is claimed unless it was
     * redriven or another claim on it is not older than {@code staleBeforeMillis}. Returns the ones now claimed, in
     * the order given; two concurrent calls never both get the same one.
     */
    List<DeadLetterRef> claimDeadLetters(String claim, List<DeadLetterRef> refs, long nowMillis, long staleBeforeMillis);

    /** Marks dead letters that {@code claim} holds as redriven, in one transaction: out of the view for good. */
    void markRedriven(String claim, Collection<DeadLetterRef> refs, long nowMillis);

    /** Drops {@code claim}'s claims on dead letters it did not move, in one transaction: they show again. */
    void releaseDeadLetters(String claim, Collection<DeadLetterRef> refs);

    /** Forgets claims and marks below {@code belowOffset} of a dead-letter partition (retention deleted those). */
    void pruneDeadLetterMarks(TenantId tenant, TopicName topic, int partition, long belowOffset);

    /**
     * Takes or renews the lease on a subscription for {@code holder} (a bus node) until {@code nowMillis + ttlMillis}:
     * {@code true} when the holder has it now, {@code false} when another holder's lease has not expired. Atomic across
     * every process sharing the store.
     */
    boolean acquireLease(TenantId tenant, String subscription, String holder, long nowMillis, long ttlMillis);

    /** Gives the lease up if {@code holder} has it, so another node may take it at once. */
    void releaseLease(TenantId tenant, String subscription, String holder);

    /** Stores a new transaction; {@code false} when the tenant has one of that id or its producer id is taken. */
    boolean createTransaction(TransactionRecord transaction);

    /**
     * Moves a transaction to {@code transaction.state()} (with its reason and {@code updatedAt}) if it is still in
     * {@code expected}; {@code false} when it is not (another decision won) or does not exist.
     */
    boolean updateTransaction(TransactionRecord transaction, TransactionState expected);

    /** The tenant's transaction of that id. */
    Optional<TransactionRecord> transaction(TenantId tenant, String id);

    /** Every tenant's transactions that are not finished (open, committing, aborting): what start-up resumes. */
    List<TransactionRecord> unfinishedTransactions();

    /** The largest producer id ever given to a transaction, 0 when none was: the next one is above it. */
    long maxProducerId();

    /** Releases the store; later calls throw {@link StateStoreException}. Idempotent. */
    @Override
    void close();
}
