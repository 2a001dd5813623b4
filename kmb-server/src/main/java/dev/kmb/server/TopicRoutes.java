package dev.kmb.server;

import dev.kmb.broker.TopicPatch;
import dev.kmb.broker.TopicService;
import dev.kmb.broker.spi.TopicRecord;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.Durability;
import dev.kmb.log.spi.Retention;
import dev.kmb.log.spi.TopicSpec;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Optional;

/** Topic CRUD: {@code POST/GET /v1/topics}, {@code GET/PATCH/DELETE /v1/topics/{name}}. Stateless; thread-safe. */
final class TopicRoutes {

    private final ServerContext context;
    private final TopicService topics;

    private TopicRoutes(ServerContext context) {
        this.context = context;
        this.topics = context.broker().topics();
    }

    static void register(JavalinConfig config, ServerContext context) {
        TopicRoutes r = new TopicRoutes(context);
        config.routes.post("/v1/topics", r::create);
        config.routes.get("/v1/topics", r::list);
        config.routes.get("/v1/topics/{name}", r::get);
        config.routes.patch("/v1/topics/{name}", r::patch);
        config.routes.delete("/v1/topics/{name}", r::delete);
    }

    private void create(Context ctx) {
        TopicBodies.CreateTopic body = RequestBodies.read(ctx, context.json(), TopicBodies.CreateTopic.class);
        FieldChecks checks = new FieldChecks();
        if (body.name() == null) {
            checks.fail("/name", "name is required");
        }
        TopicName name = body.name() == null ? null : TopicName.of(body.name()); // 400 invalid_topic
        TopicSpec defaults = TopicSpec.defaults().withDurability(context.config().defaultDurability());
        int partitions = body.partitions() == null ? defaults.partitions() : body.partitions();
        Durability durability = body.durability() == null ? defaults.durability()
                : checks.check("/durability", () -> Durability.fromWireName(body.durability()), defaults.durability());
        Retention retention = body.retention() == null ? defaults.retention() : body.retention().toRetention(checks, "/retention");
        Compression compression = body.compression() == null ? defaults.compression()
                : checks.check("/compression", () -> Compression.fromWireName(body.compression()), defaults.compression());
        TopicSpec spec = checks.check("/partitions", () -> new TopicSpec(partitions, durability, retention, compression), defaults);
        Duration dedupWindow = TopicBodies.dedupWindow(checks, body.dedupWindow()).orElse(TopicRecord.DEFAULT_DEDUP_WINDOW);
        checks.throwIfAny();
        ctx.status(201).json(TopicBodies.Topic.of(topics.create(HttpRoutes.tenant(ctx), name, spec, dedupWindow)));
    }

    private void list(Context ctx) {
        ctx.json(new TopicBodies.TopicList(topics.list(HttpRoutes.tenant(ctx)).stream().map(TopicBodies.Topic::of).toList()));
    }

    private void get(Context ctx) {
        ctx.json(TopicBodies.Topic.of(topics.get(HttpRoutes.tenant(ctx), topicName(ctx))));
    }

    private void patch(Context ctx) {
        TopicName name = topicName(ctx);
        TopicBodies.PatchTopic body = RequestBodies.read(ctx, context.json(), TopicBodies.PatchTopic.class);
        FieldChecks checks = new FieldChecks();
        Optional<Integer> partitions = Optional.ofNullable(body.partitions());
        partitions.filter(p -> p < 1 || p > TopicSpec.MAX_PARTITIONS).ifPresent(p ->
                checks.fail("/partitions", "partitions must be in 1.." + TopicSpec.MAX_PARTITIONS + ", was " + p));
        Optional<Durability> durability = Optional.ofNullable(body.durability())
                .map(d -> checks.check("/durability", () -> Durability.fromWireName(d), Durability.PERSISTENT));
        Optional<Retention> retention = Optional.ofNullable(body.retention()).map(r -> r.toRetention(checks, "/retention"));
        Optional<Compression> compression = Optional.ofNullable(body.compression())
                .map(c -> checks.check("/compression", () -> Compression.fromWireName(c), Compression.NONE));
        Optional<Duration> dedupWindow = TopicBodies.dedupWindow(checks, body.dedupWindow());
        checks.throwIfAny();
        TopicPatch patch = new TopicPatch(partitions, durability, retention, compression, dedupWindow);
        ctx.json(TopicBodies.Topic.of(topics.patch(HttpRoutes.tenant(ctx), name, patch)));
    }

    private void delete(Context ctx) {
        topics.delete(HttpRoutes.tenant(ctx), topicName(ctx));
        ctx.status(204);
    }

    /** The {@code {name}} path parameter as a topic name (400 {@code invalid_topic} when it is not one). */
    static TopicName topicName(Context ctx) {
        return TopicName.of(ctx.pathParam("name"));
    }
}
