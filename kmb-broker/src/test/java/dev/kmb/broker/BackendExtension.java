package dev.kmb.broker;

import dev.kmb.testing.PostgresExtension;
import java.lang.reflect.Field;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test of the {@link Backend#KAFKA} run its PostgreSQL ({@link PostgresExtension}), and leaves a test of the
 * {@link Backend#EMBEDDED} run alone, so that the embedded run needs no outside service. Stateless.
 */
final class BackendExtension implements BeforeEachCallback {

    private final PostgresExtension postgres = new PostgresExtension();

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (backendOf(context.getRequiredTestInstance()) == Backend.KAFKA) {
            postgres.beforeEach(context);
        }
    }

    private static Backend backendOf(Object instance) throws IllegalAccessException {
        for (Class<?> c = instance.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == Backend.class) {
                    f.setAccessible(true);
                    return (Backend) f.get(instance);
                }
            }
        }
        throw new IllegalStateException(instance.getClass().getSimpleName() + " has no Backend field for @OnEachBackend");
    }
}
