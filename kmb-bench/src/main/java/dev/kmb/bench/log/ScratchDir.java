package dev.kmb.bench.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

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
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // removed under us (log retention)
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    @Override
    public void close() {
        deleteTree(path);
    }
}
