package dev.kmb.testing;

import java.util.Locale;
import java.util.function.Function;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The one rule for tests that need a service outside the JVM (PostgreSQL, and later Kafka, NATS, ...): when it cannot
 * be reached the test is skipped with a message saying how to run it, except under {@code KMB_REQUIRE_SERVICES=1}
 * (CI sets it), where it fails, so that CI never passes by skipping. Immutable; thread-safe.
 *
 * <pre>{@code
 * try { connect(url); } catch (SQLException e) {
 *     throw RequiredServices.fromEnvironment().unavailable("PostgreSQL at " + url,
 *             "start one, or point KMB_TEST_POSTGRES_URL at one", e);
 * }
 * }</pre>
 */
public final class RequiredServices {

    /** {@code 1} or {@code true}: a test whose service cannot be reached fails instead of being skipped. */
    public static final String REQUIRE_ENV = "KMB_REQUIRE_SERVICES";

    private final boolean required;

    /** The rule as {@code env} sets it (tests of this class pass a map's {@code get}). */
    public RequiredServices(Function<String, String> env) {
        String v = env.apply(REQUIRE_ENV);
        this.required = v != null && (v.trim().equals("1") || v.trim().toLowerCase(Locale.ROOT).equals("true"));
    }

    /** The rule as the process environment sets it. */
    public static RequiredServices fromEnvironment() {
        return new RequiredServices(System::getenv);
    }

    /** True when unreachable services fail tests ({@code KMB_REQUIRE_SERVICES=1}). */
    public boolean required() {
        return required;
    }

    /**
     * What a test does when {@code service} cannot be reached. Under {@code KMB_REQUIRE_SERVICES=1} this throws an
     * {@link AssertionFailedError} itself; otherwise it returns the {@link TestAbortedException} for the caller to
     * throw (JUnit reports the test skipped, with the message). Use it as {@code throw rule.unavailable(...)}.
     *
     * @param service  what could not be reached, e.g. {@code "PostgreSQL at postgresql://postgres@127.0.0.1:5432/postgres"}
     * @param howToRun what makes the test run, e.g. {@code "set KMB_TEST_POSTGRES_URL=postgresql://user:pass@host/db"}
     * @param cause    why it could not be reached
     */
    public TestAbortedException unavailable(String service, String howToRun, Throwable cause) {
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        if (required) {
            throw new AssertionFailedError(service + " is required (" + REQUIRE_ENV + "=1) but cannot be reached: "
                    + why + ". To run these tests: " + howToRun + ".", cause);
        }
        return new TestAbortedException("skipped: " + service + " cannot be reached (" + why + "). To run these tests: "
                + howToRun + "; set " + REQUIRE_ENV + "=1 to make this a failure instead of a skip.", cause);
    }
}
