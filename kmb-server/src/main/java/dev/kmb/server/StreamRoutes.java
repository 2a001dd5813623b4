package dev.kmb.server;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.ProblemException;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.Gauge;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming routes: SSE {@code GET /v1/subscribe/{name}} and {@code GET /v1/subscribe?pattern=}, and the
 * WebSocket {@code /v1/ws} (protocol in {@code docs/protocol.md}). Also ends every open stream when the server
 * stops, so sessions leave the broker before it closes. Stateless registration; the handlers it creates are
 * thread-safe.
 */
final class StreamRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);

    /** Until authentication arrives every connection acts for the default tenant. */
    static final TenantId TENANT = TenantId.DEFAULT;
    /** Query parameter of {@code /v1/ws} choosing how the server writes its frames. */
    static final String FRAMES_PARAM = "frames";

    private StreamRoutes() {
    }

    static void register(JavalinConfig config, ServerContext context) {
        register(config, context, StreamSettings.fromSystemProperties());
    }

    static void register(JavalinConfig config, ServerContext context, StreamSettings settings) {
        OpenStreams open = new OpenStreams();
        SseHandler sse = new SseHandler(context, TENANT, settings, open);
        WsProtocol protocol = new WsProtocol(context.json());
        WsFrames frames = new WsFrames(context.json());
        Map<String, WsConnection> connections = new ConcurrentHashMap<>();

        config.routes.get("/v1/subscribe/{name}", sse::durable);
        config.routes.get("/v1/subscribe", sse::ephemeral);
        config.routes.wsBeforeUpgrade("/v1/ws", ctx -> {
            try {
                frameKind(ctx.queryParam(FRAMES_PARAM));
            } catch (ProblemException e) {
                // Javalin drops the result body of a refused upgrade: write and commit the problem here, then refuse
                ProblemHandlers.respond(ctx, context.json(), e.problem());
                byte[] body = ProblemHandlers.toJson(context.json(), e.problem().withInstance(ctx.path()));
                ctx.res().setContentLength(body.length);
                ctx.res().getOutputStream().write(body);
                ctx.res().flushBuffer();
                throw e;
            }
        });
        config.routes.ws("/v1/ws", ws -> {
            ws.onConnect(c -> {
                c.session.setIdleTimeout(settings.wsIdleTimeout());
                c.session.setMaxTextMessageSize(settings.wsMaxFrameBytes());
                c.session.setMaxBinaryMessageSize(settings.wsMaxFrameBytes());
                WsConnection conn = new WsConnection(context, TENANT, protocol, frames, settings, c.session,
                        frameKind(c.queryParam(FRAMES_PARAM)));
                if (!open.add(conn)) {
                    c.closeSession(1001, "server stopping");
                    return;
                }
                connections.put(c.sessionId(), conn);
            });
            ws.onMessage(c -> {
                WsConnection conn = connections.get(c.sessionId());
                if (conn != null) {
                    conn.onFrame(c.message().getBytes(StandardCharsets.UTF_8));
                }
            });
            ws.onBinaryMessage(c -> {
                WsConnection conn = connections.get(c.sessionId());
                if (conn != null) {
                    ByteBuffer data = c.data();
                    byte[] frame = new byte[data.remaining()];
                    data.get(frame);
                    conn.onFrame(frame);
                }
            });
            ws.onClose(c -> end(connections, open, c.sessionId()));
            ws.onError(c -> {
                LOG.debug("websocket error: {}", String.valueOf(c.error()));
                end(connections, open, c.sessionId());
            });
        });
        config.events.serverStopping(open::closeAll);

        Gauge.builder("kmb.connections", sse, SseHandler::streams).tag("kind", "sse")
                .description("open SSE subscription streams").register(context.metrics());
        Gauge.builder("kmb.connections", connections, Map::size).tag("kind", "websocket")
                .description("open WebSocket connections").register(context.metrics());
    }

    /**
     * The {@code frames} query parameter: {@code binary} (the server writes binary messages) or {@code text}, the
     * default. Client frames may be either kind whatever it says.
     */
    private static boolean frameKind(String value) {
        if (value == null || value.equals("text")) {
            return false;
        }
        if (value.equals("binary")) {
            return true;
        }
        throw ProblemHandlers.badParam(FRAMES_PARAM, value, "text or binary");
    }

    private static void end(Map<String, WsConnection> connections, OpenStreams open, String sessionId) {
        WsConnection conn = connections.remove(sessionId);
        if (conn != null) {
            open.remove(conn);
            conn.close();
        }
    }
}
