package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.TopicName;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps a tenant's topic to its name in the log and back: {@code <tenant>.<topic>}. A tenant id has no
 * dot, so the first segment always names the tenant; tenants never share a log topic. Names made are cached (every
 * publish asks, and building one re-validates the whole name). Thread-safe.
 */
final class LogNames {

    /** Log names cached per tenant at most; past it the tenant's cache starts over. */
    private static final int MAX_CACHED = 10_000;
    private static final Map<TenantId, Map<TopicName, TopicName>> LOG_NAMES = new ConcurrentHashMap<>();

    private LogNames() {
    }

    static TopicName logTopic(TenantId tenant, TopicName topic) {
        Map<TopicName, TopicName> names = LOG_NAMES.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>());
        TopicName name = names.get(topic);
        if (name == null) {
            if (names.size() >= MAX_CACHED) {
                names.clear(); // a bound, not an eviction policy: topics in use come back at once
            }
            name = TopicName.of(tenant.value() + "." + topic.value());
            names.put(topic, name);
        }
        return name;
    }

    /** The tenant and topic of a log topic name, if it is one of ours. */
    static Optional<TenantTopic> parse(TopicName logTopic) {
        String v = logTopic.value();
        int dot = v.indexOf('.');
        if (dot < 1 || dot == v.length() - 1) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TenantTopic(new TenantId(v.substring(0, dot)), TopicName.of(v.substring(dot + 1))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A topic of a tenant. */
    record TenantTopic(TenantId tenant, TopicName topic) {
    }
}
