package dev.kmb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.RestoreResult;
import dev.kmb.broker.SnapshotInfo;
import dev.kmb.broker.SnapshotService;
import dev.kmb.core.TopicName;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Topic snapshots: {@code POST /v1/topics/{name}/snapshots} takes one, {@code GET /v1/snapshots[/{id}]} lists and
 * shows them, {@code DELETE /v1/snapshots/{id}} removes one, {@code POST /v1/snapshots/{id}/restore} restores one into
 * its topic or {@code {"topic": "…"}}. Stateless; thread-safe.
 */
final class SnapshotRoutes {

    private final ServerContext context;
    private final SnapshotService snapshots;

    private SnapshotRoutes(ServerContext context) {
        this.context = context;
        this.snapshots = context.snapshots();
    }

    static void register(JavalinConfig config, ServerContext context) {
        SnapshotRoutes r = new SnapshotRoutes(context);
        config.routes.post("/v1/topics/{name}/snapshots", r::create);
        config.routes.get("/v1/snapshots", r::list);
        config.routes.get("/v1/snapshots/{id}", r::get);
        config.routes.delete("/v1/snapshots/{id}", r::delete);
        config.routes.post("/v1/snapshots/{id}/restore", r::restore);
    }

    /** A snapshot as every snapshot route answers it: its id and its manifest (the content of manifest.json). */
    record Snapshot(String id, JsonNode manifest) {
        static Snapshot of(SnapshotInfo info) {
            return new Snapshot(info.id().toString(), info.manifest().toJson());
        }
    }

    /** {@code GET /v1/snapshots}, oldest first. */
    record SnapshotList(List<Snapshot> snapshots) {
    }

    /** {@code POST /v1/snapshots/{id}/restore}: the body is optional; without {@code topic}, the snapshot's own topic. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RestoreRequest(String topic) {
    }

    /** What a restore did. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Restored(String snapshot, String topic, boolean topicCreated, long restored, boolean repartitioned) {
        static Restored of(RestoreResult r) {
            return new Restored(r.snapshot().toString(), r.topic().value(), r.topicCreated(), r.restored(), r.repartitioned());
        }
    }

    private void create(Context ctx) {
        TopicName topic = TopicRoutes.topicName(ctx);
        ctx.status(201).json(Snapshot.of(snapshots.create(HttpRoutes.tenant(ctx), topic)));
    }

    private void list(Context ctx) {
        Optional<TopicName> topic = Optional.ofNullable(ctx.queryParam("topic")).filter(t -> !t.isEmpty()).map(TopicName::of);
        ctx.json(new SnapshotList(snapshots.list(HttpRoutes.tenant(ctx), topic).stream().map(Snapshot::of).toList()));
    }

    private void get(Context ctx) {
        ctx.json(Snapshot.of(snapshots.get(HttpRoutes.tenant(ctx), id(ctx))));
    }

    private void delete(Context ctx) {
        snapshots.delete(HttpRoutes.tenant(ctx), id(ctx));
        ctx.status(204);
    }

    private void restore(Context ctx) {
        UUID id = id(ctx);
        Optional<TopicName> target = Optional.empty();
        if (ctx.bodyAsBytes().length > 0) {
            RestoreRequest body = RequestBodies.read(ctx, context.json(), RestoreRequest.class);
            target = Optional.ofNullable(body.topic()).map(TopicName::of); // 400 invalid_topic
        }
        ctx.json(Restored.of(snapshots.restore(HttpRoutes.tenant(ctx), id, target)));
    }

    private static UUID id(Context ctx) {
        return SnapshotService.parseId(ctx.pathParam("id"));
    }
}
