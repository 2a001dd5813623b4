package dev.kmb.server;

import io.javalin.config.JavalinConfig;

/** Registers every route group and the error handlers on the server's config. Stateless. */
final class Routes {

    private Routes() {
    }

    static void register(JavalinConfig config, ServerContext context) {
        // Route groups are added here, one class per group (HttpRoutes, SseRoutes, WebSocketRoutes, …).
        HttpRoutes.register(config, context);
        StreamRoutes.register(config, context);
    }
}
