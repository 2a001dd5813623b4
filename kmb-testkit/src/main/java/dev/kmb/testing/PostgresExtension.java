package dev.kmb.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(PostgresExtension.class)}: before each test, every non-static field of type {@link TestPostgres}
 * of the test instance is set to the run's database (as JUnit's {@code @TempDir} sets a path), before any
 * {@code @BeforeEach} method runs; or the test is skipped with a message saying how to run it when no PostgreSQL is
 * reachable ({@code KMB_REQUIRE_SERVICES=1} makes that a failure). Per test, not per class: Surefire does not report a
 * skipped class, only skipped tests. The database is created once per run, by the first test that needs it, and
 * dropped when the run ends. Thread-safe.
 */
public final class PostgresExtension implements BeforeEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        // the root context's store closes what it holds (AutoCloseable) when the whole run ends
        TestPostgres database = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(TestPostgres.class, k -> TestPostgres.create(), TestPostgres.class);
        Object instance = context.getRequiredTestInstance();
        for (Class<?> c = instance.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == TestPostgres.class && !Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    f.set(instance, database);
                }
            }
        }
    }
}
