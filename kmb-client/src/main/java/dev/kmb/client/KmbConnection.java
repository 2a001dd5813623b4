package dev.kmb.client;

import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.ProblemCode;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One WebSocket connection to the bus ({@code /v1/ws}): pipelined publishes correlated by ref, durable and
 * ephemeral subscriptions, coalesced acks, nacks and terms. Publishing blocks the caller only when {@code maxInFlight} publishes
 * await their receipts. Messages reach each subscription's consumer on the connection's reader thread, in order; the
 * next frame is read only when the consumer returns. Thread-safe.
 */
public final class KmbConnection implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(KmbConnection.class.getName());

    private final KmbClient.Settings settings;
    private final EnvelopeCodec codec;
    private final ClientFrames frames;
    private final AtomicLong refs = new AtomicLong();
    private final Map<String, CompletableFuture<ServerFrame.Ok>> pending = new ConcurrentHashMap<>();
    private final Map<String, Subscription> subscribing = new ConcurrentHashMap<>();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final Semaphore inFlight;
    private final SettleBatcher<Settle> settles;
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final ByteArrayBuilder partialBinary = new ByteArrayBuilder();
    private volatile SendQueue out;
    private volatile WebSocket socket;

    KmbConnection(KmbClient.Settings settings, EnvelopeCodec codec, ClientFrames frames) {
        this.settings = settings;
        this.codec = codec;
        this.frames = frames;
        this.inFlight = new Semaphore(settings.maxInFlight());
        this.settles = new SettleBatcher<>(settings.scheduler(), settings.ackDelay(), 512, this::sendSettle);
    }

    void attach(WebSocket ws) {
        this.socket = ws;
        this.out = new SendQueue(ws);
    }

    WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            @Override
            public void onOpen(WebSocket ws) {
                ws.request(1);
            }

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                if (last && partial.length() == 0) { // a whole frame: one bulk copy, not a char-by-char append
                    handleFrame(data.toString().getBytes(StandardCharsets.UTF_8));
                    ws.request(1);
                    return null;
                }
                partial.append(data);
                if (last) {
                    String text = partial.toString();
                    partial.setLength(0);
                    handleFrame(text.getBytes(StandardCharsets.UTF_8));
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] chunk = new byte[data.remaining()];
                data.get(chunk);
                if (last && partialBinary.size() == 0) {
                    handleFrame(chunk);
                } else {
                    partialBinary.write(chunk);
                    if (last) {
                        byte[] frame = partialBinary.toByteArray();
                        partialBinary.reset();
                        handleFrame(frame);
                    }
                }
                ws.request(1);
                return null;
            }

            private void handleFrame(byte[] frame) {
                try {
                    handle(frame);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "frame from the bus not handled: " + e, e);
                }
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                ended("connection closed by the bus (" + status + " " + reason + ")", null);
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                ended("connection failed: " + error, error);
            }
        };
    }

    // ================================================================ publishing

    /** Publishes one envelope; the future completes with its receipt, or a {@link KmbException}. */
    public CompletableFuture<Receipt> publish(Envelope envelope) {
        acquire();
        long ref = refs.incrementAndGet();
        return request(ref, frames.publish(ref, envelope), true).thenApply(ok -> ok.receipt()
                .orElseThrow(() -> KmbException.local(ProblemCode.INTERNAL, "publish answered without a receipt", null)));
    }

    /** Publishes a batch (atomic per partition); receipts in request order. */
    public CompletableFuture<List<Receipt>> publishBatch(List<Envelope> envelopes) {
        acquire();
        long ref = refs.incrementAndGet();
        return request(ref, frames.publishBatch(ref, envelopes), true).thenApply(ServerFrame.Ok::receipts);
    }

    private void acquire() {
        try {
            if (!inFlight.tryAcquire(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                throw KmbException.local(ProblemCode.TIMEOUT, "no publish slot freed within " + settings.requestTimeout(), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KmbException.local(ProblemCode.UNAVAILABLE, "interrupted while waiting for a publish slot", e);
        }
    }

    // ================================================================ subscribing

    /** Joins the durable subscription {@code subscription} as one more member. */
    public CompletableFuture<Subscription> subscribe(String subscription, Consumer<Message> consumer) {
        long ref = refs.incrementAndGet();
        return subscribe(ref, frames.subscribeDurable(ref, subscription), true, consumer);
    }

    /** Subscribes ephemerally to {@code pattern} from {@code start} ({@code latest}, {@code earliest}, RFC 3339). */
    public CompletableFuture<Subscription> subscribe(String pattern, String start, Consumer<Message> consumer) {
        long ref = refs.incrementAndGet();
        return subscribe(ref, frames.subscribeEphemeral(ref, pattern, start, Optional.empty()), false, consumer);
    }

    /** Subscribes ephemerally, resuming right after {@code cursor} (a {@link Subscription#cursor()} from before). */
    public CompletableFuture<Subscription> subscribe(String pattern, String start, String cursor, Consumer<Message> consumer) {
        long ref = refs.incrementAndGet();
        return subscribe(ref, frames.subscribeEphemeral(ref, pattern, start, Optional.of(cursor)), false, consumer);
    }

    private CompletableFuture<Subscription> subscribe(long ref, byte[] frame, boolean durable, Consumer<Message> consumer) {
        String key = Long.toString(ref);
        // the name is known only from the answer; the reader registers the subscription before it reads further
        subscribing.put(key, new Subscription("?", durable, this, consumer));
        return request(ref, frame, false).thenApply(ok -> subscriptions.get(ok.subscription().orElseThrow()))
                .whenComplete((s, e) -> subscribing.remove(key));
    }

    CompletableFuture<Void> unsubscribe(Subscription s) {
        long ref = refs.incrementAndGet();
        return request(ref, frames.unsubscribe(ref, s.name()), false).thenApply(ok -> {
            subscriptions.remove(s.name());
            return null;
        });
    }

    /** What two settles must share to travel in one frame. */
    private record Settle(String subscription, SettleOp op, Optional<Duration> delay, Optional<String> reason) {
    }

    private enum SettleOp { ACK, NACK, TERM }

    CompletableFuture<Void> ackLater(String subscription, UUID id) {
        return settles.add(new Settle(subscription, SettleOp.ACK, Optional.empty(), Optional.empty()), id);
    }

    CompletableFuture<Void> nack(String subscription, UUID id, Optional<Duration> delay, Optional<String> reason) {
        return settles.add(new Settle(subscription, SettleOp.NACK, delay, reason), id);
    }

    CompletableFuture<Void> term(String subscription, UUID id, Optional<String> reason) {
        return settles.add(new Settle(subscription, SettleOp.TERM, Optional.empty(), reason), id);
    }

    private CompletableFuture<Void> sendSettle(Settle s, List<UUID> ids) {
        long ref = refs.incrementAndGet();
        byte[] frame = switch (s.op()) {
            case ACK -> frames.ack(ref, s.subscription(), ids);
            case NACK -> frames.nack(ref, s.subscription(), ids, s.delay(), s.reason());
            case TERM -> frames.term(ref, s.subscription(), ids, s.reason());
        };
        return request(ref, frame, false).thenApply(ok -> null);
    }

    /** A round trip to the bus; completes with its duration. */
    public CompletableFuture<Duration> ping() {
        long ref = refs.incrementAndGet();
        long started = System.nanoTime();
        return request(ref, frames.ping(ref), false).thenApply(ok -> Duration.ofNanos(System.nanoTime() - started));
    }

    /** Sends acks, nacks and terms that wait for their coalescing window now. */
    public void flushAcks() {
        settles.flush();
    }

    // ================================================================ requests and frames

    private CompletableFuture<ServerFrame.Ok> request(long ref, byte[] frame, boolean holdsPermit) {
        String key = Long.toString(ref);
        CompletableFuture<ServerFrame.Ok> answer = new CompletableFuture<>();
        if (closedFuture.isDone()) {
            if (holdsPermit) {
                inFlight.release();
            }
            answer.completeExceptionally(KmbException.local(ProblemCode.UNAVAILABLE, "connection is closed", null));
            return answer;
        }
        pending.put(key, answer);
        CompletableFuture<ServerFrame.Ok> result = answer.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((ok, e) -> {
                    pending.remove(key);
                    if (holdsPermit) {
                        inFlight.release();
                    }
                });
        out.send(frame).whenComplete((v, e) -> {
            if (e != null) {
                answer.completeExceptionally(KmbException.local(ProblemCode.UNAVAILABLE, "send failed: " + e, e));
            }
        });
        return result.handle((ok, e) -> {
            if (e == null) {
                return ok;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof KmbException) {
                throw (KmbException) cause;
            }
            if (cause instanceof java.util.concurrent.TimeoutException) {
                throw KmbException.local(ProblemCode.TIMEOUT, "no answer within " + settings.requestTimeout(), cause);
            }
            throw KmbException.local(ProblemCode.UNAVAILABLE, String.valueOf(cause), cause);
        });
    }

    private void handle(byte[] utf8) {
        ServerFrame frame = frames.decode(utf8);
        if (frame instanceof ServerFrame.Deliveries d) {
            Subscription s = subscriptions.get(d.subscription());
            if (s == null) {
                LOG.log(System.Logger.Level.DEBUG, "dropping {0} message(s) of {1}, not subscribed", d.messages().size(), d.subscription());
                return;
            }
            for (byte[] raw : d.messages()) {
                DeliveryHead head = DeliveryHead.read(frames.factory(), raw);
                try {
                    s.deliver(new Message(head, raw, s, codec));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "consumer of " + s.name() + " failed on a message; it will be redelivered", e);
                }
            }
            s.cursor(d.cursor());
        } else if (frame instanceof ServerFrame.Ok ok) {
            Subscription joining = subscribing.remove(ok.ref());
            if (joining != null && ok.subscription().isPresent()) {
                String name = ok.subscription().get();
                subscriptions.put(name, new Subscription(name, joining.isDurable(), this, joining::deliver));
            }
            CompletableFuture<ServerFrame.Ok> f = pending.get(ok.ref());
            if (f != null) {
                f.complete(ok);
            }
        } else if (frame instanceof ServerFrame.Error err) {
            CompletableFuture<ServerFrame.Ok> f = err.ref().map(pending::get).orElse(null);
            if (f != null) {
                f.completeExceptionally(new KmbException(err.problem()));
            } else {
                LOG.log(System.Logger.Level.WARNING, "the bus reported: {0}", err.problem());
            }
        } else if (frame instanceof ServerFrame.Closed c) {
            Subscription s = subscriptions.remove(c.subscription());
            if (s != null) {
                s.markClosed();
            }
            LOG.log(System.Logger.Level.INFO, "subscription {0} ended by the bus: {1}", c.subscription(), c.problem().detail());
        }
    }

    private void ended(String why, Throwable cause) {
        if (!closedFuture.complete(null)) {
            return;
        }
        KmbException e = KmbException.local(ProblemCode.UNAVAILABLE, why, cause);
        for (CompletableFuture<ServerFrame.Ok> f : new ArrayList<>(pending.values())) {
            f.completeExceptionally(e);
        }
        subscriptions.values().forEach(Subscription::markClosed);
    }

    /** Completes when the connection is closed, by either side. */
    public CompletableFuture<Void> closed() {
        return closedFuture;
    }

    public boolean isOpen() {
        return !closedFuture.isDone();
    }

    /** Sends waiting acks, closes the WebSocket (subscriptions end) and fails what is still unanswered. */
    @Override
    public void close() {
        if (closedFuture.isDone()) {
            return;
        }
        settles.flush();
        WebSocket ws = socket;
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            closedFuture.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            ws.abort();
        }
        ended("connection closed by the client", null);
    }

    /** Drops the TCP connection without a close handshake (tests use it to simulate a crash). */
    public void abort() {
        socket.abort();
        ended("connection aborted by the client", null);
    }
}
