package dev.kmb.broker;

import dev.kmb.log.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The crash-safe rename of snapshots (fsync and delete are the log's {@link DurableFiles}). A snapshot directory
 * appears under its final name only by an atomic rename, and disappears by a rename to
 * {@link SnapshotFormat#DELETED_SUFFIX} before its files go. Stateless.
 */
final class SnapshotFiles {

    private SnapshotFiles() {
    }

    /** Renames {@code from} to {@code to} atomically (never over an existing {@code to}) and makes it durable. */
    static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.fsyncDirectory(to.toAbsolutePath().getParent());
    }
}
