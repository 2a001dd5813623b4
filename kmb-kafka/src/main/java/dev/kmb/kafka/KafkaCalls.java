package dev.kmb.kafka;

import dev.kmb.log.spi.LogException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaFuture;

/** Waits on a Kafka admin future with a deadline and turns its failure into a {@link KafkaCallException}. */
final class KafkaCalls {

    private KafkaCalls() {
    }

    /** A failed Kafka call; {@link #getCause()} is Kafka's own exception, which callers test for expected outcomes. */
    static final class KafkaCallException extends LogException {
        private static final long serialVersionUID = 1L;

        KafkaCallException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static <T> T await(KafkaFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new KafkaCallException(what + " failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException(what + " was interrupted", e);
        } catch (TimeoutException e) {
            throw new LogException(what + " timed out after " + timeout.toMillis() + " ms", e);
        }
    }
}
