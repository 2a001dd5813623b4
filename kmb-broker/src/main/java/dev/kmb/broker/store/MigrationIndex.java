package dev.kmb.broker.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.flywaydb.core.api.ResourceProvider;
import org.flywaydb.core.api.resource.LoadableResource;

/**
 * The state store's migrations as Flyway resources, listed in {@value #INDEX} instead of found by scanning the
 * classpath: in the runnable jar (tens of thousands of entries) Flyway's scan was the slowest step of start-up. A test
 * keeps the index equal to the migration folders. Immutable; thread-safe.
 */
final class MigrationIndex implements ResourceProvider {

    /** The index: one path per line, relative to {@code db/migration/}, e.g. {@code common/V1__init.sql}. */
    static final String INDEX = "db/migration/index.txt";
    private static final String ROOT = "db/migration/";

    private final ClassLoader loader;
    private final List<Migration> migrations;

    /** The indexed migrations under the given folders (e.g. {@code common}, {@code sqlite}). */
    MigrationIndex(ClassLoader loader, List<String> folders) {
        this.loader = loader;
        List<Migration> found = new ArrayList<>();
        for (String path : entries(loader)) {
            int slash = path.indexOf('/');
            if (slash > 0 && folders.contains(path.substring(0, slash))) {
                found.add(new Migration(ROOT + path, path.substring(slash + 1)));
            }
        }
        this.migrations = List.copyOf(found);
    }

    /** Every path the index lists. */
    static List<String> entries(ClassLoader loader) {
        InputStream in = loader.getResourceAsStream(INDEX);
        if (in == null) {
            throw new IllegalStateException(INDEX + " is missing from the classpath: the build did not package the migrations");
        }
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String entry = line.strip();
                if (!entry.isEmpty() && !entry.startsWith("#")) {
                    out.add(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The versions of the indexed migrations ({@code V7__x.sql} → {@code "7"}, {@code V1_2__y.sql} → {@code "1.2"}). */
    List<String> versions() {
        List<String> out = new ArrayList<>();
        for (Migration m : migrations) {
            String name = m.getFilename();
            int end = name.indexOf("__");
            if (name.startsWith("V") && end > 1) {
                out.add(name.substring(1, end).replace('_', '.'));
            }
        }
        return out;
    }

    @Override
    public LoadableResource getResource(String name) {
        return migrations.stream().filter(m -> m.getRelativePath().equals(name) || m.getAbsolutePath().equals(name))
                .findFirst().orElse(null);
    }

    @Override
    public Collection<LoadableResource> getResources(String prefix, String[] suffixes) {
        List<LoadableResource> out = new ArrayList<>();
        for (Migration m : migrations) {
            if (m.getFilename().startsWith(prefix)) {
                for (String suffix : suffixes) {
                    if (m.getFilename().endsWith(suffix)) {
                        out.add(m);
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** One migration script on the classpath. */
    private final class Migration extends LoadableResource {
        private final String path;
        private final String filename;

        Migration(String path, String filename) {
            this.path = path;
            this.filename = filename;
        }

        @Override
        public Reader read() {
            InputStream in = loader.getResourceAsStream(path);
            if (in == null) {
                throw new IllegalStateException(INDEX + " lists " + path + ", which is not on the classpath");
            }
            return new InputStreamReader(in, StandardCharsets.UTF_8);
        }

        @Override
        public String getAbsolutePath() {
            return path;
        }

        @Override
        public String getAbsolutePathOnDisk() {
            return path;
        }

        @Override
        public String getFilename() {
            return filename;
        }

        @Override
        public String getRelativePath() {
            return filename;
        }
    }
}
