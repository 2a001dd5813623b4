package dev.kmb.bench.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away directory for one benchmark trial, under {@code -Dkmb.bench.dir} (default: {@code java.io.tmpdir}),
 * removed with everything in it by {@link #close()}. Not thread-safe; the JMH setup and teardown own it.
 */
public final class ScratchDir implements AutoCloseable {

    /** System property naming where scratch directories go; pick a file system with a few GiB free. */
    static final String ROOT_PROPERTY = "kmb.bench.dir";

    private final Path path;

    private ScratchDir(Path path) {
        this.path = path;
    }

    /** A new empty directory under {@code -Dkmb.bench.dir} (default: the system temp directory). */
    public static ScratchDir create(String prefix) {
        Path root = Path.of(System.getProperty(ROOT_PROPERTY, System.getProperty("java.io.tmpdir")));
        try {
            Files.createDirectories(root);
            return new ScratchDir(Files.createTempDirectory(root, prefix));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory under " + root, e);
        }
    }

    public Path path() {
        return path;
    }

    /** Deletes the directory tree; a tree already gone is fine. */
    static void deleteTree(Path root) {
        try {
            dev.kmb.log.DurableFiles.deleteRecursively(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    @Override
    public void close() {
        deleteTree(path);
    }
}
