package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.broker.spi.TenantId;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subscription leases: one node at a time serves an exclusive or failover subscription, across processes. */
class SubscriptionLeaseTest {

    private static final TenantId T = TenantId.of("acme");

    @TempDir
    Path dir;
    private SqliteStateStore store;
    private SqliteStateStore otherProcess;

    @BeforeEach
    void open() {
        store = SqliteStateStore.open(dir);
        otherProcess = SqliteStateStore.open(dir);
    }

    @AfterEach
    void close() {
        otherProcess.close();
        store.close();
    }

    @Test
    void aLeaseIsHeldByOneNodeUntilItExpires() {
        assertThat(store.acquireLease(T, "pager", "node-a", 1_000, 500)).isTrue();
        assertThat(otherProcess.acquireLease(T, "pager", "node-b", 1_400, 500)).isFalse();
        assertThat(otherProcess.acquireLease(T, "pager", "node-b", 1_500, 500)).isTrue(); // expired at 1 500
        assertThat(store.acquireLease(T, "pager", "node-a", 1_600, 500)).isFalse();
    }

    @Test
    void theHolderRenewsItsLease() {
        assertThat(store.acquireLease(T, "pager", "node-a", 1_000, 500)).isTrue();
        assertThat(store.acquireLease(T, "pager", "node-a", 1_400, 500)).isTrue(); // now until 1 900
        assertThat(otherProcess.acquireLease(T, "pager", "node-b", 1_800, 500)).isFalse();
    }

    @Test
    void aReleasedLeaseIsFreeAtOnceAndOnlyItsHolderCanReleaseIt() {
        assertThat(store.acquireLease(T, "pager", "node-a", 1_000, 10_000)).isTrue();
        otherProcess.releaseLease(T, "pager", "node-b"); // not the holder: nothing happens
        assertThat(otherProcess.acquireLease(T, "pager", "node-b", 1_001, 10_000)).isFalse();
        store.releaseLease(T, "pager", "node-a");
        assertThat(otherProcess.acquireLease(T, "pager", "node-b", 1_002, 10_000)).isTrue();
    }

    @Test
    void leasesAreKeptPerTenantAndSubscription() {
        assertThat(store.acquireLease(T, "pager", "node-a", 1_000, 10_000)).isTrue();
        assertThat(otherProcess.acquireLease(T, "ledger", "node-b", 1_000, 10_000)).isTrue();
        assertThat(otherProcess.acquireLease(TenantId.of("globex"), "pager", "node-b", 1_000, 10_000)).isTrue();
    }
}
