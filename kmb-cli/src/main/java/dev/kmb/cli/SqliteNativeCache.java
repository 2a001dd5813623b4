package dev.kmb.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Keeps SQLite's native library in {@code <data dir>/.cache/} and points sqlite-jdbc at it
 * ({@code org.sqlite.lib.path}), instead of letting sqlite-jdbc copy a fresh 1 MB library into the temp directory
 * and checksum it on every start: a step of {@code kmb serve}'s start-up. When anything is off (no bundled library
 * for this platform, a read-only directory, the properties already set) it does nothing and sqlite-jdbc's own lookup
 * decides. Stateless.
 */
final class SqliteNativeCache {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteNativeCache.class);
    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    static final String NAME_PROPERTY = "org.sqlite.lib.name";

    private SqliteNativeCache() {
    }

    /** Points sqlite-jdbc at the cached copy under {@code dataDir}, writing it first if it is not there yet. */
    static void use(Path dataDir) {
        if (System.getProperty(PATH_PROPERTY) != null) {
            return;
        }
        String name = LibraryLoaderUtil.getNativeLibName();
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
        Path dir = dataDir.resolve(".cache").resolve("sqlite-" + SQLiteJDBCLoader.getVersion() + "-"
                + LibraryLoaderUtil.getNativeLibResourcePath().replaceAll("[^A-Za-z0-9_.]+", "-"));
        Path lib = dir.resolve(name);
        try {
            if (!Files.isRegularFile(lib)) {
                try (InputStream in = SqliteNativeCache.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        return; // no bundled library for this platform
                    }
                    Files.createDirectories(dir);
                    Path part = Files.createTempFile(dir, name, ".part");
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(part, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.setProperty(PATH_PROPERTY, dir.toString());
            System.setProperty(NAME_PROPERTY, name);
        } catch (IOException | RuntimeException e) {
            LOG.debug("SQLite's native library not cached under {} ({}); sqlite-jdbc extracts its own", dir, e.toString());
        }
    }
}
