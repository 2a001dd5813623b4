package dev.kmb.server;

import java.util.List;

/** The configuration cannot be used; the message names every bad key and its value. Immutable. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    public ConfigException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0) : "invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per bad key. */
    public List<String> problems() {
        return problems;
    }
}
