package dev.kmb.bench.compare;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * The rule for tests against the local NATS, RabbitMQ and Redis: an unreachable server skips the test with a
 * message saying how to start it, unless {@code KMB_REQUIRE_SERVICES=1}, where it fails.
 */
final class Services {

    private Services() {
    }

    static void require(ComparedSystem s) {
        if (Comparison.reachable(s.host(), s.port())) {
            return;
        }
        String message = s.id() + " is not reachable at " + s.host() + ":" + s.port() + "; start it with: "
                + s.startCommand().orElseThrow();
        if ("1".equals(System.getenv("KMB_REQUIRE_SERVICES"))) {
            fail(message + " (KMB_REQUIRE_SERVICES=1)");
        }
        Assumptions.abort(message);
    }
}
