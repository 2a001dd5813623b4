package dev.kmb.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequiredServicesTest {

    private static final IOException REFUSED = new IOException("Connection refused");

    @Test
    void withoutTheVariableAnUnreachableServiceSkipsSayingHowToRun() {
        RequiredServices rule = new RequiredServices(Map.<String, String>of()::get);

        TestAbortedException skip = rule.unavailable("PostgreSQL at pg://x", "set KMB_TEST_POSTGRES_URL", REFUSED);

        assertThat(rule.required()).isFalse();
        assertThat(skip).hasMessageContaining("PostgreSQL at pg://x").hasMessageContaining("Connection refused")
                .hasMessageContaining("set KMB_TEST_POSTGRES_URL").hasMessageContaining("KMB_REQUIRE_SERVICES=1")
                .hasCause(REFUSED);
    }

    @Test
    void underKmbRequireServicesAnUnreachableServiceFails() {
        for (String on : new String[] {"1", "true", " TRUE "}) {
            RequiredServices rule = new RequiredServices(Map.of(RequiredServices.REQUIRE_ENV, on)::get);

            assertThat(rule.required()).isTrue();
            assertThatThrownBy(() -> rule.unavailable("Kafka at 127.0.0.1:9092", "start it", REFUSED))
                    .isInstanceOf(AssertionFailedError.class).hasMessageContaining("Kafka at 127.0.0.1:9092")
                    .hasMessageContaining("is required").hasMessageContaining("start it").hasCause(REFUSED);
        }
    }

    @Test
    void anyOtherValueKeepsSkipping() {
        for (String off : new String[] {"0", "false", "", "yes"}) {
            assertThat(new RequiredServices(Map.of(RequiredServices.REQUIRE_ENV, off)::get).required()).as(off).isFalse();
        }
    }
}
