package dev.kmb.server;

import dev.kmb.broker.spi.TenantId;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;

/** The plain HTTP API (everything but streaming): registers its route groups and the problem handlers. */
final class HttpRoutes {

    private HttpRoutes() {
    }

    static void register(JavalinConfig config, ServerContext context) {
        ProblemHandlers.register(config, context.json());
        AdminRoutes.register(config, context);
        TopicRoutes.register(config, context);
        PublishRoutes.register(config, context);
        SubscriptionRoutes.register(config, context);
        DlqRoutes.register(config, context);
        SnapshotRoutes.register(config, context);
        TransactionRoutes.register(config, context);
    }

    /** The tenant a request acts for: {@link TenantId#DEFAULT} until authentication gives principals one. */
    static TenantId tenant(Context ctx) {
        return TenantId.DEFAULT;
    }
}
