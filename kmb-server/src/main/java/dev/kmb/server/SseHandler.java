package dev.kmb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.Delivery;
import dev.kmb.broker.SubscriptionService;
import dev.kmb.broker.SubscriptionSession;
import dev.kmb.broker.spi.StartPosition;
import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.InvalidPatternException;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import dev.kmb.core.TopicName;
import dev.kmb.core.TopicPattern;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/subscribe/{name}} (a member of a durable subscription) and {@code GET /v1/subscribe?pattern=}
 * (an ephemeral subscription for the life of the request) as Server-Sent Events. The request's virtual thread
 * attaches, then loops: wait for a delivery, take what else is ready, write the events, flush. Writes block when
 * the client reads slowly, so the session queue (max in flight) fills and the broker stops reading for it: memory
 * stays bounded without a buffer of our own. A failed write means the client left: the session closes and, for a
 * durable subscription, its unacked messages go to the other members. Stateless apart from the open-stream count;
 * thread-safe.
 */
final class SseHandler {

    private static final Logger LOG = LoggerFactory.getLogger(SseHandler.class);
    private static final Duration POLL = Duration.ofMillis(250);

    private final SubscriptionService subscriptions;
    private final ObjectMapper json;
    private final TenantId tenant;
    private final StreamSettings settings;
    private final OpenStreams open;
    private final AtomicInteger streams = new AtomicInteger();

    SseHandler(ServerContext context, TenantId tenant, StreamSettings settings, OpenStreams open) {
        this.subscriptions = context.broker().subscriptions();
        this.json = context.json();
        this.tenant = tenant;
        this.settings = settings;
        this.open = open;
    }

    /** Streams open now. */
    int streams() {
        return streams.get();
    }

    void durable(Context ctx) throws IOException {
        SubscriptionSession session;
        try {
            lastEventId(ctx).ifPresent(SseHandler::checkCursor); // durable members resume from the ack state
            session = subscriptions.attach(tenant, ctx.pathParam("name"));
        } catch (ProblemException e) {
            ProblemHandlers.respond(ctx, json, e.problem());
            return;
        }
        stream(ctx, session);
    }

    void ephemeral(Context ctx) throws IOException {
        SubscriptionSession session;
        try {
            String pattern = ctx.queryParam("pattern");
            if (pattern == null || pattern.isEmpty()) {
                throw new ProblemException(ProblemCode.BAD_REQUEST, "query parameter 'pattern' is required "
                        + "(or GET /v1/subscribe/{name} for a durable subscription)");
            }
            TopicPattern topics;
            try {
                topics = TopicPattern.of(pattern);
            } catch (InvalidPatternException e) {
                throw new ProblemException(ProblemCode.INVALID_PATTERN, e.getMessage());
            }
            StartPosition start = StartPosition.LATEST;
            String startText = ctx.queryParam("start");
            if (startText != null) {
                try {
                    start = StartPosition.parse(startText);
                } catch (IllegalArgumentException e) {
                    throw new ProblemException(ProblemCode.BAD_REQUEST, e.getMessage());
                }
            }
            Optional<String> resume = lastEventId(ctx);
            resume.ifPresent(SseHandler::checkCursor);
            session = subscriptions.attachEphemeral(tenant, topics, start, resume);
        } catch (ProblemException e) {
            ProblemHandlers.respond(ctx, json, e.problem());
            return;
        }
        stream(ctx, session);
    }

    private static Optional<String> lastEventId(Context ctx) {
        String header = ctx.header("Last-Event-ID");
        if (header != null && !header.isBlank()) {
            return Optional.of(header.trim());
        }
        return Optional.ofNullable(ctx.queryParam("last_event_id")).filter(s -> !s.isBlank()).map(String::trim);
    }

    /** A cursor this bus issued: {@code topic:partition:offset[,…]}; anything else is a 400 before the stream starts. */
    static void checkCursor(String cursor) {
        for (String part : cursor.split(",", -1)) {
            String[] f = part.split(":", -1);
            boolean ok = f.length == 3 && TopicName.isValid(f[0]) && isNumber(f[1], 9) && isNumber(f[2], 18);
            if (!ok) {
                throw new ProblemException(ProblemCode.BAD_REQUEST, "Last-Event-ID '" + cursor
                        + "' is not a cursor this bus issued (expected topic:partition:offset[,…])");
            }
        }
    }

    private static boolean isNumber(String s, int maxDigits) {
        return !s.isEmpty() && s.length() <= maxDigits && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** One open stream, as {@link OpenStreams} sees it: closing it ends the loop within one poll. */
    private static final class Stream implements AutoCloseable {
        final SubscriptionSession session;
        volatile boolean stopping;

        Stream(SubscriptionSession session) {
            this.session = session;
        }

        @Override
        public void close() {
            stopping = true;
        }
    }

    private void stream(Context ctx, SubscriptionSession session) throws IOException {
        Stream stream = new Stream(session);
        if (!open.add(stream)) {
            session.close();
            ProblemHandlers.respond(ctx, json, Problem.of(ProblemCode.UNAVAILABLE, "the server is stopping"));
            return;
        }
        streams.incrementAndGet();
        try {
            HttpServletResponse res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream;charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            res.setHeader("X-Accel-Buffering", "no");
            OutputStream out = res.getOutputStream();
            out.write((": subscribed to " + session.subscription() + "\n\n").getBytes(StandardCharsets.US_ASCII));
            out.flush(); // commits the headers: the client knows it is attached
            pump(stream, out);
        } catch (IOException e) {
            LOG.debug("SSE client of {} left: {}", session.subscription(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.decrementAndGet();
            open.remove(stream);
            session.close();
        }
    }

    private void pump(Stream stream, OutputStream out) throws IOException, InterruptedException {
        SubscriptionSession session = stream.session;
        long keepAliveNanos = settings.sseKeepAlive().toNanos();
        long nextKeepAlive = System.nanoTime() + keepAliveNanos;
        List<Delivery> batch = new ArrayList<>(settings.maxBatch());
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
        while (true) {
            if (stream.stopping) {
                endWith(out, buffer, Problem.of(ProblemCode.UNAVAILABLE, "the server is stopping; reconnect with Last-Event-ID"));
                return;
            }
            long wait = Math.min(POLL.toNanos(), Math.max(1, nextKeepAlive - System.nanoTime()));
            Optional<Delivery> first = session.poll(Duration.ofNanos(wait));
            if (first.isPresent()) {
                batch.add(first.get());
                if (settings.maxBatch() > 1) {
                    session.drainTo(batch, settings.maxBatch() - 1);
                }
                for (Delivery d : batch) {
                    SseEvents.message(buffer, d.cursor(), d.json());
                }
                batch.clear();
                buffer.writeTo(out);
                buffer.reset();
                out.flush();
                nextKeepAlive = System.nanoTime() + keepAliveNanos;
            } else if (session.isClosed()) {
                endWith(out, buffer, Problem.of(ProblemCode.SUBSCRIPTION_NOT_FOUND,
                        "subscription '" + session.subscription() + "' was ended by the bus"));
                return;
            } else if (System.nanoTime() - nextKeepAlive >= 0) {
                out.write(SseEvents.KEEP_ALIVE);
                out.flush();
                nextKeepAlive = System.nanoTime() + keepAliveNanos;
            }
        }
    }

    private void endWith(OutputStream out, ByteArrayOutputStream buffer, Problem problem) throws IOException {
        SseEvents.error(buffer, ProblemHandlers.toJson(json, problem));
        buffer.writeTo(out);
        out.flush();
    }
}
