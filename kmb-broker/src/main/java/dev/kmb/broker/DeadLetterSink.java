package dev.kmb.broker;

import java.util.concurrent.CompletableFuture;

/**
 * Where subscriptions hand the messages they give up on. The dispatcher acks a dead-lettered message only after the
 * returned future completes, so a crash in between redelivers it rather than losing it.
 */
@FunctionalInterface
public interface DeadLetterSink {

    /** Stores the dead letter durably; completes exceptionally when it could not. */
    CompletableFuture<Void> deadLetter(DeadLetter letter);
}
