package dev.kmb.client;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Serialises frames (UTF-8 JSON, sent as binary messages) onto a JDK {@link WebSocket}, which allows one outstanding send at a time. Frames go out in
 * the order {@link #send} was called; each future completes when its frame was handed to the socket. The queue is
 * bounded by the callers (in-flight publish permits, coalesced acks). Thread-safe.
 */
final class SendQueue {

    private record Item(byte[] frame, CompletableFuture<Void> done) {
    }

    private final WebSocket socket;
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean busy = new AtomicBoolean();

    SendQueue(WebSocket socket) {
        this.socket = socket;
    }

    CompletableFuture<Void> send(byte[] frame) {
        Item item = new Item(frame, new CompletableFuture<>());
        queue.add(item);
        pump();
        return item.done;
    }

    private void pump() {
        while (busy.compareAndSet(false, true)) {
            Item item = queue.poll();
            if (item == null) {
                busy.set(false);
                if (queue.isEmpty()) {
                    return;
                }
                continue;
            }
            CompletableFuture<WebSocket> sent = start(item);
            if (sent.isDone()) { // loop rather than recurse: a burst of ready sends must not grow the stack
                settle(item, sent);
                busy.set(false);
                continue;
            }
            sent.whenComplete((ws, error) -> {
                settle(item, sent);
                busy.set(false);
                pump();
            });
            return;
        }
    }

    private CompletableFuture<WebSocket> start(Item item) {
        try {
            return socket.sendBinary(ByteBuffer.wrap(item.frame), true);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void settle(Item item, CompletableFuture<WebSocket> sent) {
        sent.whenComplete((ws, error) -> {
            if (error != null) {
                item.done.completeExceptionally(error);
            } else {
                item.done.complete(null);
            }
        });
    }
}
