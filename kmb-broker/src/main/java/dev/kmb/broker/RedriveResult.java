package dev.kmb.broker;

import dev.kmb.core.Problem;
import dev.kmb.core.TopicName;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a redrive did. Immutable.
 *
 * @param moved   dead letters published again (and out of the dead-letter view)
 * @param byTopic of those, how many went to each topic
 * @param more    true when the request's limit stopped it: more of the selection may be left
 * @param failed  selected dead letters that could not be published; they stay in the dead-letter view
 */
public record RedriveResult(int moved, Map<TopicName, Integer> byTopic, boolean more, List<Failure> failed) {

    public RedriveResult {
        byTopic = Map.copyOf(byTopic);
        failed = List.copyOf(failed);
    }

    /** A dead letter (by its dead-letter id) that was not moved, and why. */
    public record Failure(UUID id, Problem problem) {
        public Failure {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(problem, "problem");
        }
    }
}
