package dev.kmb.broker;

import dev.kmb.broker.spi.TenantId;
import dev.kmb.core.TopicName;
import java.util.Optional;

/**
 * Maps a tenant's topic to its name in the log and back: {@code <tenant>.<topic>}. A tenant id has no
 * dot, so the first segment always names the tenant; tenants never share a log topic. Stateless.
 */
final class LogNames {

    private LogNames() {
    }

    static TopicName logTopic(TenantId tenant, TopicName topic) {
        return TopicName.of(tenant.value() + "." + topic.value());
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
