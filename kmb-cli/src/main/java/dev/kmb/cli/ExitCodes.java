package dev.kmb.cli;

/** Exit codes of the {@code kmb} command. */
final class ExitCodes {
    static final int OK = 0;
    /** The command ran and found a problem (e.g. damage in the log). */
    static final int DAMAGED = 1;
    /** The command could not run (bad arguments, missing directory, locked directory). */
    static final int ERROR = 2;

    private ExitCodes() {
    }
}
