package dev.kmb.kafka;

import dev.kmb.core.TopicName;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * KMB topic names ↔ Kafka topic names: the Kafka name is the configured prefix followed by the KMB name, dots
 * kept ({@code orders.created} of tenant {@code acme} is log topic {@code acme.orders.created}, Kafka topic
 * {@code kmb.acme.orders.created}). Immutable and thread-safe.
 */
final class KafkaTopicNames {

    /** Kafka's longest topic name. */
    static final int MAX_LENGTH = 249;

    private final String prefix;
    private final Map<TopicName, String> kafkaNames = new ConcurrentHashMap<>(); // the append path asks on every call

    KafkaTopicNames(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The Kafka topic holding {@code topic}.
     *
     * @throws IllegalArgumentException when the name is one Kafka cannot hold (too long)
     */
    String kafkaName(TopicName topic) {
        String known = kafkaNames.get(topic);
        if (known != null) {
            return known;
        }
        String name = prefix + topic.value();
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("topic '" + topic + "' is too long for Kafka: as Kafka topic '" + prefix
                    + "…' it is " + name.length() + " characters, Kafka allows at most " + MAX_LENGTH);
        }
        if (!isLegal(name)) {
            throw new IllegalArgumentException("topic '" + topic + "' is not a legal Kafka topic name: " + name);
        }
        if (kafkaNames.size() < 100_000) { // bounded: names of deleted topics are not worth tracking
            kafkaNames.put(topic, name);
        }
        return name;
    }

    /** True when Kafka can hold the topic under this prefix. */
    boolean fits(TopicName topic) {
        return kafkaNames.containsKey(topic) || isLegal(prefix + topic.value());
    }

    /** The KMB topic a Kafka topic holds, if it is one of ours. */
    Optional<TopicName> kmbName(String kafkaName) {
        if (!kafkaName.startsWith(prefix) || kafkaName.length() == prefix.length()) {
            return Optional.empty();
        }
        String rest = kafkaName.substring(prefix.length());
        return TopicName.isValid(rest) ? Optional.of(TopicName.of(rest)) : Optional.empty();
    }

    /** Kafka's own rule: 1..249 characters of {@code [a-zA-Z0-9._-]}, and neither "." nor "..". */
    static boolean isLegal(String name) {
        if (name.isEmpty() || name.length() > MAX_LENGTH || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
