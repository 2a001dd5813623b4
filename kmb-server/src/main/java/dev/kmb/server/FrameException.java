package dev.kmb.server;

import dev.kmb.core.Problem;
import java.util.Optional;

/** A client frame that cannot be served, with the {@code ref} it carried (when it got that far) and the problem. */
final class FrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Optional<String> ref;
    private final transient Problem problem;

    FrameException(Optional<String> ref, Problem problem) {
        super(problem.code().code() + ": " + problem.detail(), null, false, false);
        this.ref = ref;
        this.problem = problem;
    }

    Optional<String> ref() {
        return ref;
    }

    Problem problem() {
        return problem;
    }
}
