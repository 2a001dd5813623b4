package dev.kmb.server;

import dev.kmb.broker.spi.StartPosition;
import dev.kmb.core.TopicPattern;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A WebSocket frame from a client after {@link WsProtocol} parsed and checked it; one record per op. Immutable.
 * {@code ref} is the client's correlation value as raw JSON (a string or an integer), echoed verbatim in the reply.
 */
sealed interface ClientFrame {

    /** The client's correlation value, raw JSON. */
    String ref();

    /** {@code publish}: one envelope ({@code message}) or several ({@code messages}), as raw UTF-8 JSON. */
    record Publish(String ref, List<byte[]> envelopes, boolean batch) implements ClientFrame {
        public Publish {
            envelopes = List.copyOf(envelopes);
        }
    }

    /** {@code subscribe}: a durable subscription by name, or an ephemeral one on a pattern. */
    record Subscribe(String ref, Optional<String> subscription, Optional<TopicPattern> pattern, StartPosition start,
                     Optional<String> resume) implements ClientFrame {
    }

    /** {@code unsubscribe}: leave a subscription this connection joined. */
    record Unsubscribe(String ref, String subscription) implements ClientFrame {
    }

    /** {@code ack}: settle messages of a subscription. */
    record Ack(String ref, String subscription, List<UUID> ids) implements ClientFrame {
        public Ack {
            ids = List.copyOf(ids);
        }
    }

    /** {@code nack}: hand messages back for redelivery, after {@code delay} when given; {@code reason} is recorded. */
    record Nack(String ref, String subscription, List<UUID> ids, Optional<Duration> delay, Optional<String> reason)
            implements ClientFrame {
        public Nack {
            ids = List.copyOf(ids);
        }
    }

    /** {@code term}: reject messages now; they go to the dead-letter topic with {@code reason}. */
    record Term(String ref, String subscription, List<UUID> ids, Optional<String> reason) implements ClientFrame {
        public Term {
            ids = List.copyOf(ids);
        }
    }

    /** {@code ping}: a round trip; answered {@code ok} with the server time. */
    record Ping(String ref) implements ClientFrame {
    }
}
