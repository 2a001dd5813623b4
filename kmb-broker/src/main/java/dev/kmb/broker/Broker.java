package dev.kmb.broker;

import dev.kmb.broker.spi.StateStore;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.MessageLog;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine, wired: topics, the publish pipeline, subscriptions, dead letters and replay over a message log and a
 * state store. It owns neither: the caller opens them and closes them after {@link #close()}.
 * Thread-safe.
 */
public final class Broker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final TopicService topics;
    private final Publisher publisher;
    private final SubscriptionService subscriptions;
    private final DeadLetterService deadLetters;
    private final Replayer replayer;
    private final CursorCheckpointer checkpointer;
    private final BrokerMetrics metrics;
    private volatile Thread refresher;
    private volatile boolean closing;
    private final TransactionService transactions;

    private Broker(TopicService topics, Publisher publisher, SubscriptionService subscriptions,
                   DeadLetterService deadLetters, Replayer replayer, CursorCheckpointer checkpointer, BrokerMetrics metrics,
                   TransactionService transactions) {
        this.transactions = transactions;
        this.topics = topics;
        this.publisher = publisher;
        this.subscriptions = subscriptions;
        this.deadLetters = deadLetters;
        this.replayer = replayer;
        this.checkpointer = checkpointer;
        this.metrics = metrics;
    }

    /** Starts the broker: reconciles topics, restores subscriptions from their ack state. */
    public static Broker start(BrokerConfig config, MessageLog log, StateStore store, EnvelopeCodec codec, BrokerMetrics metrics) {
        return start(config, TransactionConfig.defaults(), log, store, codec, metrics);
    }

    /** Starts the broker with these transaction settings; see {@link #start(BrokerConfig, MessageLog, StateStore, EnvelopeCodec, BrokerMetrics)}. */
    public static Broker start(BrokerConfig config, TransactionConfig txnConfig, MessageLog log, StateStore store,
                               EnvelopeCodec codec, BrokerMetrics metrics) {
        return wire(config, null, txnConfig, log, store, codec, metrics, service -> service);
    }

    /**
     * Starts the broker as one node of a cluster: the log and the store are shared with other nodes (Kafka and
     * PostgreSQL), topics and subscriptions any node creates are served by all, and the members of a subscription on
     * several nodes share its partitions through the log's consumer groups (docs/cluster.md).
     */
    public static Broker startCluster(BrokerConfig config, ClusterMode cluster, TransactionConfig txnConfig, MessageLog log,
                                      StateStore store, EnvelopeCodec codec, BrokerMetrics metrics) {
        return wire(config, java.util.Objects.requireNonNull(cluster, "cluster"), txnConfig, log, store, codec, metrics,
                service -> service);
    }

    /**
     * Starts the broker with its dead letters going to {@code deadLetters} (tests watch them there) instead of the
     * dead-letter topics; listing and redrive still read those.
     */
    static Broker start(BrokerConfig config, MessageLog log, StateStore store, EnvelopeCodec codec, BrokerMetrics metrics,
                        DeadLetterSink deadLetters) {
        return wire(config, null, TransactionConfig.defaults(), log, store, codec, metrics, service -> deadLetters);
    }

    private static Broker wire(BrokerConfig config, ClusterMode cluster, TransactionConfig txnConfig, MessageLog log,
                               StateStore store, EnvelopeCodec codec, BrokerMetrics metrics,
                               Function<DeadLetterService, DeadLetterSink> sink) {
        TopicService topics = new TopicService(store, log, config, cluster != null);
        topics.reconcile();
        TransactionService transactions = new TransactionService(log, store, txnConfig,
                cluster == null ? "" : cluster.nodeId(), config.clock(), metrics);
        transactions.recover(); // before any reader: a transaction that timed out while we were down ends first
        transactions.start();
        CursorCheckpointer checkpointer = new CursorCheckpointer(store);
        DedupWindow dedup = new DedupWindow(topics, metrics, config.dedupMaxIds());
        dedup.rebuild(topics.allRecords(), log, config.clock().millis()); // before the first publish
        topics.addListener(dedup);
        Publisher publisher = new Publisher(log, topics, codec, config, metrics, transactions, dedup);
        DeadLetterService deadLetters = new DeadLetterService(log, store, topics, publisher, codec, config, metrics);
        SubscriptionService subscriptions = new SubscriptionService(store, log, topics, checkpointer, config, metrics,
                sink.apply(deadLetters), cluster);
        topics.addListener(subscriptions);
        subscriptions.start();
        log.addAppendListener((tp, end) -> subscriptions.onAppend(tp));
        Broker broker = new Broker(topics, publisher, subscriptions, deadLetters, new Replayer(log, topics), checkpointer,
                metrics, transactions);
        if (cluster != null) {
            broker.refresher = Thread.ofVirtual().name("kmb-cluster-refresh").start(() -> broker.refreshLoop(cluster));
            LOG.info("broker started as cluster node {}", cluster.nodeId());
        } else {
            LOG.info("broker started");
        }
        return broker;
    }

    public TopicService topics() {
        return topics;
    }

    public Publisher publisher() {
        return publisher;
    }

    public SubscriptionService subscriptions() {
        return subscriptions;
    }

    /** Dead letters: their listing and redrive. */
    public DeadLetterService deadLetters() {
        return deadLetters;
    }

    /** Transactions: begin, commit, rollback, and their state. */
    public TransactionService transactions() {
        return transactions;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    /** Cluster mode: follows the other nodes' topics and subscriptions, renews and takes over leases. */
    private void refreshLoop(ClusterMode cluster) {
        while (!closing) {
            try {
                Thread.sleep(cluster.catalogRefresh());
                topics.refresh();
                subscriptions.refresh();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("cluster refresh failed (will retry): {}", e.toString());
            }
        }
    }

    /** Replays a topic by offset or time range. */
    public ReplayPage replay(TenantId tenant, TopicName topic, ReplayQuery query) {
        return replayer.replay(tenant, topic, query);
    }

    /** Stops subscriptions and writes the last ack state; the log and store stay open for the caller. */
    @Override
    public void close() {
        closing = true;
        Thread r = refresher;
        if (r != null) {
            r.interrupt();
            try {
                r.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transactions.close();
        subscriptions.close();
        checkpointer.close();
        LOG.info("broker stopped");
    }
}
