package dev.kmb.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.kmb.broker.RedriveResult;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON bodies of the dead-letter routes (snake_case). Immutable. */
final class DlqBodies {

    private DlqBodies() {
    }

    /**
     * {@code POST /v1/dlq/redrive}: a selection (filters combine; {@code all: true} instead of any filter), an optional
     * {@code target_topic} (default: each original topic), {@code dead_letter_topic} (default {@code kmb.system.dlq})
     * and {@code limit} (default 1000).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Redrive(List<String> ids, String subscription, String topic, String from, String to, Boolean all,
                   String targetTopic, String deadLetterTopic, Integer limit) {
    }

    /** A dead letter that was selected but not moved, and why (it stays in the dead-letter view). */
    record Failed(String id, String code, String detail) {
    }

    /** The answer to a redrive. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record Redriven(@JsonInclude(JsonInclude.Include.ALWAYS) int moved,
                    @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, Integer> byTopic,
                    @JsonInclude(JsonInclude.Include.ALWAYS) boolean more,
                    List<Failed> failed) {

        static Redriven of(RedriveResult r) {
            Map<String, Integer> byTopic = new TreeMap<>();
            r.byTopic().forEach((t, n) -> byTopic.put(t.value(), n));
            return new Redriven(r.moved(), byTopic, r.more(), r.failed().stream()
                    .map(f -> new Failed(f.id().toString(), f.problem().code().code(), f.problem().detail())).toList());
        }
    }
}
