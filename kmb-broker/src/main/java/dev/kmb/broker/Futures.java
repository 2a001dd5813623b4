package dev.kmb.broker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting for the broker's own futures from blocking callers. Stateless. */
final class Futures {

    private Futures() {
    }

    /** The future's value; a runtime failure is rethrown as itself, not wrapped in a {@link CompletionException}. */
    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }
}
