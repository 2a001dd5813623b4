package dev.kmb.broker;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a bus node that shares its log and state store with other nodes (cluster mode). Immutable.
 *
 * @param nodeId         this node's id, unique among the nodes sharing the store (holds leases, names group members)
 * @param catalogRefresh how often the node reads topics and subscriptions other nodes created or deleted (default 1 s);
 *                       a name not known yet is also looked up in the store at once
 * @param leaseTtl       how long an {@code exclusive} / {@code failover} subscription's lease lasts unless renewed
 *                       (default 10 s): the time another node waits to take over from a node that died
 */
public record ClusterMode(String nodeId, Duration catalogRefresh, Duration leaseTtl) {

    public ClusterMode {
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isBlank() || nodeId.length() > 200) {
            throw new IllegalArgumentException("cluster node id must be 1..200 characters");
        }
        if (catalogRefresh.isNegative() || catalogRefresh.isZero()) {
            throw new IllegalArgumentException("cluster catalog refresh must be positive, was " + catalogRefresh);
        }
        if (leaseTtl.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("cluster lease ttl must be at least 300ms, was " + leaseTtl);
        }
    }

    /** A node with the default timings. */
    public static ClusterMode node(String nodeId) {
        return new ClusterMode(nodeId, Duration.ofSeconds(1), Duration.ofSeconds(10));
    }
}
