package dev.kmb.client;

import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import java.util.Objects;

/** A request the bus refused or could not serve, carrying the RFC 9457 {@link Problem} it answered with. */
public class KmbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    public KmbException(Problem problem) {
        this(problem, null);
    }

    public KmbException(Problem problem, Throwable cause) {
        super(problem.code().code() + " (" + problem.status() + "): " + problem.detail(), cause);
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** A client-side failure (connection lost, I/O error) expressed as a problem. */
    static KmbException local(ProblemCode code, String detail, Throwable cause) {
        return new KmbException(Problem.of(code, detail), cause);
    }

    /** What the bus said. */
    public Problem problem() {
        return problem;
    }

    /** Shortcut for {@code problem().code()}. */
    public ProblemCode code() {
        return problem.code();
    }
}
