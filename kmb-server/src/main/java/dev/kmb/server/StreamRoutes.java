package dev.kmb.server;

import dev.kmb.broker.spi.TenantId;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.Gauge;
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
        config.routes.ws("/v1/ws", ws -> {
            ws.onConnect(c -> {
                c.session.setIdleTimeout(settings.wsIdleTimeout());
                c.session.setMaxTextMessageSize(settings.wsMaxFrameBytes());
                WsConnection conn = new WsConnection(context, TENANT, protocol, frames, settings, c.session);
                if (!open.add(conn)) {
                    c.closeSession(1001, "server stopping");
                    return;
                }
                connections.put(c.sessionId(), conn);
            });
            ws.onMessage(c -> {
                WsConnection conn = connections.get(c.sessionId());
                if (conn != null) {
                    conn.onText(c.message());
                }
            });
            ws.onBinaryMessage(c -> {
                WsConnection conn = connections.get(c.sessionId());
                if (conn != null) {
                    conn.onBinary();
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

    private static void end(Map<String, WsConnection> connections, OpenStreams open, String sessionId) {
        WsConnection conn = connections.remove(sessionId);
        if (conn != null) {
            open.remove(conn);
            conn.close();
        }
    }
}
