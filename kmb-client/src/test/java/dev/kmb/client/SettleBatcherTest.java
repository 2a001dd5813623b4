package dev.kmb.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SettleBatcherTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<List<UUID>> sent = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void coalescesAcksOfAWindowIntoOneFrame() throws Exception {
        SettleBatcher<String> b = new SettleBatcher<>(scheduler, Duration.ofMillis(50), 100, (s, ids) -> {
            sent.add(ids);
            return CompletableFuture.completedFuture(null);
        });
        CompletableFuture<Void> last = null;
        for (int i = 0; i < 10; i++) {
            last = b.add("s", UUID.randomUUID());
        }
        last.get(5, TimeUnit.SECONDS);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0)).hasSize(10);
    }

    @Test
    void aFullBatchGoesAtOnce() throws Exception {
        SettleBatcher<String> b = new SettleBatcher<>(scheduler, Duration.ofHours(1), 3, (s, ids) -> {
            sent.add(ids);
            return CompletableFuture.completedFuture(null);
        });
        b.add("s", UUID.randomUUID());
        b.add("s", UUID.randomUUID());
        b.add("s", UUID.randomUUID()).get(5, TimeUnit.SECONDS);
        assertThat(sent).singleElement().satisfies(ids -> assertThat(ids).hasSize(3));
    }

    @Test
    void settlesWithDifferentKeysGoInDifferentFrames() throws Exception {
        List<String> keys = new CopyOnWriteArrayList<>();
        SettleBatcher<String> b = new SettleBatcher<>(scheduler, Duration.ofMillis(50), 100, (k, ids) -> {
            keys.add(k + "=" + ids.size());
            return CompletableFuture.completedFuture(null);
        });
        CompletableFuture.allOf(b.add("ack", UUID.randomUUID()), b.add("nack 5s", UUID.randomUUID()),
                b.add("ack", UUID.randomUUID()), b.add("nack 5s", UUID.randomUUID())).get(5, TimeUnit.SECONDS);
        assertThat(keys).containsExactlyInAnyOrder("ack=2", "nack 5s=2");
    }

    @Test
    void aFailedFrameFailsEveryAckInIt() {
        SettleBatcher<String> b = new SettleBatcher<>(scheduler, Duration.ZERO, 10, (s, ids) -> CompletableFuture.failedFuture(new IllegalStateException("x")));
        assertThat(b.add("s", UUID.randomUUID())).isCompletedExceptionally();
    }
}
