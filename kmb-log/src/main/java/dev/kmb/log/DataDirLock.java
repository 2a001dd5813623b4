package dev.kmb.log;

import dev.kmb.log.spi.LogException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An OS file lock on {@code <dir>/.lock} holding the owner's pid, so two processes never open one log
 * directory. The OS drops the lock when the process dies, so a kill -9 leaves nothing to clean up.
 */
final class DataDirLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock or fails naming the process that holds it. */
    static DataDirLock acquire(Path dir) {
        Path file = dir.resolve(LogFiles.LOCK_FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String owner = readOwner(file);
                ch.close();
                throw new LogException("log directory " + dir.toAbsolutePath() + " is in use by process " + owner
                        + " (lock file " + file.toAbsolutePath() + "); stop that process first");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(true);
            return new DataDirLock(ch, lock);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new LogException("cannot lock log directory " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static String readOwner(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return pid.isEmpty() ? "(unknown pid)" : pid;
        } catch (IOException e) {
            return "(unknown pid)";
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new LogException("cannot release log directory lock", e);
        }
    }
}
