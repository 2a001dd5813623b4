package dev.kmb.server;

import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for the broker's futures on the request's virtual thread (blocking is cheap there), rethrowing a
 * {@link ProblemException} or {@link IllegalArgumentException} as itself so it maps to its own answer.
 */
final class Futures {

    /** Longest a request waits for the broker before it is answered 503. */
    static final long TIMEOUT_SECONDS = 30;

    private Futures() {
    }

    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new ProblemException(ProblemCode.UNAVAILABLE, "the broker did not answer within " + TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProblemException(ProblemCode.UNAVAILABLE, "the server is shutting down");
        }
    }
}
