package dev.kmb.server;

import dev.kmb.broker.Broker;
import dev.kmb.broker.SubscriptionSession;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.FieldError;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's {@code /v1/ws} connection: serves its frames (publish, subscribe, unsubscribe, ack, nack, term, ping) and
 * owns a {@link WsSubscriptionSender} per subscription it joined. Frames are read one at a time by Jetty; publishes,
 * acks and nacks are answered asynchronously (pipelined, so replies may come out of order: match them by
 * {@code ref}). Closing it leaves every subscription. Thread-safe.
 */
final class WsConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WsConnection.class);

    private final Broker broker;
    private final EnvelopeCodec codec;
    private final Clock clock;
    private final TenantId tenant;
    private final WsProtocol protocol;
    private final WsFrames frames;
    private final StreamSettings settings;
    private final WsOutbound out;
    private final Map<String, WsSubscriptionSender> senders = new ConcurrentHashMap<>();
    private volatile boolean closed;

    WsConnection(ServerContext context, TenantId tenant, WsProtocol protocol, WsFrames frames, StreamSettings settings,
                 Session session, boolean binary) {
        this.broker = context.broker();
        this.codec = context.codec();
        this.clock = context.clock();
        this.tenant = tenant;
        this.protocol = protocol;
        this.frames = frames;
        this.settings = settings;
        this.out = new WsOutbound(session, binary, settings.wsMaxOutstandingFrames(), settings.wsMaxPendingRequests(), this::close);
    }

    /**
     * Serves one client frame, UTF-8 JSON from a text or a binary message; blocks only while the connection has too many
     * requests outstanding.
     */
    void onFrame(byte[] utf8) {
        try {
            out.beginRequest();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        ClientFrame frame;
        try {
            frame = protocol.parse(utf8);
        } catch (FrameException e) {
            out.reply(frames.error(e.ref(), e.problem()));
            return;
        } catch (RuntimeException e) {
            out.reply(frames.error(Optional.empty(), problemOf(e)));
            return;
        }
        try {
            switch (frame) {
                case ClientFrame.Publish p -> publish(p);
                case ClientFrame.Subscribe s -> subscribe(s);
                case ClientFrame.Unsubscribe u -> unsubscribe(u);
                case ClientFrame.Ack a -> answer(a.ref(), broker.subscriptions().ack(tenant, a.subscription(), a.ids()),
                        r -> frames.settled(a.ref(), "acked", r));
                case ClientFrame.Nack n -> answer(n.ref(), broker.subscriptions().nack(tenant, n.subscription(), n.ids(), n.delay(),
                        n.reason()), r -> frames.settled(n.ref(), "nacked", r));
                case ClientFrame.Term t -> answer(t.ref(), broker.subscriptions().term(tenant, t.subscription(), t.ids(),
                        t.reason()), r -> frames.settled(t.ref(), "termed", r));
                case ClientFrame.Ping p -> out.reply(frames.pong(p.ref(), clock.instant()));
            }
        } catch (RuntimeException e) {
            out.reply(frames.error(Optional.of(frame.ref()), problemOf(e)));
        }
    }

    private void publish(ClientFrame.Publish p) {
        List<Envelope> envelopes = new ArrayList<>(p.envelopes().size());
        List<FieldError> errors = new ArrayList<>();
        ProblemCode code = null;
        for (int i = 0; i < p.envelopes().size(); i++) {
            try {
                envelopes.add(codec.decode(p.envelopes().get(i)));
            } catch (ProblemException e) {
                if (!p.batch()) {
                    throw e;
                }
                code = code == null ? e.code() : code;
                String prefix = "/messages/" + i;
                if (e.problem().errors().isEmpty()) {
                    errors.add(new FieldError(prefix, e.problem().detail()));
                }
                e.problem().errors().forEach(fe -> errors.add(new FieldError(prefix + fe.pointer(), fe.message())));
            }
        }
        if (code != null) {
            throw new ProblemException(Problem.of(code, errors.size() + " invalid field(s) in the batch; nothing was published", errors));
        }
        answer(p.ref(), broker.publisher().publish(tenant, envelopes), r -> frames.published(p.ref(), r, p.batch()));
    }

    private void subscribe(ClientFrame.Subscribe s) {
        SubscriptionSession session;
        if (s.subscription().isPresent()) {
            String name = s.subscription().get();
            if (senders.containsKey(name)) {
                throw new ProblemException(ProblemCode.CONFLICT, "this connection is already subscribed to '" + name + "'");
            }
            session = broker.subscriptions().attach(tenant, name);
        } else {
            session = broker.subscriptions().attachEphemeral(tenant, s.pattern().orElseThrow(), s.start(), s.resume());
        }
        String name = session.subscription();
        WsSubscriptionSender sender = new WsSubscriptionSender(name, session, out, frames, settings.maxBatch(),
                ended -> senders.remove(ended.name(), ended));
        if (closed || senders.putIfAbsent(name, sender) != null) {
            session.close();
            throw new ProblemException(ProblemCode.CONFLICT, closed ? "connection is closing"
                    : "this connection is already subscribed to '" + name + "'");
        }
        out.reply(frames.subscribed(s.ref(), name)); // before the first delivery: the client learns the name first
        sender.start();
        if (closed) {
            sender.stop();
        }
    }

    private void unsubscribe(ClientFrame.Unsubscribe u) {
        WsSubscriptionSender sender = senders.remove(u.subscription());
        if (sender == null) {
            throw new ProblemException(ProblemCode.SUBSCRIPTION_NOT_FOUND,
                    "this connection is not subscribed to '" + u.subscription() + "'");
        }
        sender.stop();
        out.reply(frames.subscribed(u.ref(), u.subscription()));
    }

    private <T> void answer(String ref, CompletableFuture<T> result, Function<T, byte[]> ok) {
        result.whenComplete((value, error) -> {
            if (error == null) {
                out.reply(ok.apply(value));
            } else {
                out.reply(frames.error(Optional.of(ref), problemOf(error)));
            }
        });
    }

    private static Problem problemOf(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ProblemException pe) {
            return pe.problem();
        }
        LOG.warn("websocket request failed", cause);
        return Problem.of(ProblemCode.INTERNAL, "the request failed on the server; see its log");
    }

    /** Subscriptions this connection holds now. */
    int subscriptions() {
        return senders.size();
    }

    /** Leaves every subscription (unacked durable messages go to other members). Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (String name : List.copyOf(senders.keySet())) {
            WsSubscriptionSender s = senders.remove(name);
            if (s != null) {
                s.stop();
            }
        }
    }
}
