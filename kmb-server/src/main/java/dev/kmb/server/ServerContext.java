package dev.kmb.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.broker.Broker;
import dev.kmb.broker.SnapshotService;
import dev.kmb.core.EnvelopeCodec;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;

/**
 * What route handlers share: the broker, the envelope codec, a JSON mapper for request/response bodies,
 * the metrics registry (with {@link ConnectionMetrics} for streaming routes), the configuration and the snapshots.
 * Immutable; every part is thread-safe.
 */
public record ServerContext(Broker broker, EnvelopeCodec codec, ObjectMapper json, PrometheusMeterRegistry metrics,
                            ConnectionMetrics connections, ServerConfig config, Clock clock, SnapshotService snapshots) {
}
