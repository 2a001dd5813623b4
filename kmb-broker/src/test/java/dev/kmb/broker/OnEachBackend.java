package dev.kmb.broker;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs a test class once per {@link Backend}: the class takes the backend in a {@code @Parameter Backend} field and,
 * for {@link Backend#KAFKA}, its PostgreSQL in a {@code TestPostgres} field, then opens its harness on
 * {@link Backing#of}. Without a reachable PostgreSQL the KAFKA run's tests are skipped (or fail under
 * {@code KMB_REQUIRE_SERVICES=1}), the EMBEDDED run's are not.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedClass(name = "{0}")
@EnumSource(Backend.class)
@ExtendWith(BackendExtension.class)
@interface OnEachBackend {
}
