package dev.kmb.broker;

/**
 * The log and state store a {@link BrokerHarness} runs on. The broker's integration suites run on each
 * ({@link OnEachBackend}); where the Kafka backend must differ, the suites assert the difference (docs/cluster.md,
 * "Where cluster mode differs").
 */
enum Backend {
    /** One node: the embedded log and the SQLite store in the test's directory. */
    EMBEDDED,
    /** Cluster mode's backends: the shared in-process test Kafka and a PostgreSQL schema of the test's own. */
    KAFKA
}
