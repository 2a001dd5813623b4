package dev.kmb.bench.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The raw baseline of a log append: {@code FileChannel.write} of the bytes at the end of a file, and
 * {@code force(false)} (fdatasync) by the writer when asked, with nothing else. It rolls to a new file past
 * the same segment size as the log and keeps the same number of bytes, so both touch the disk alike.
 *
 * <p>Thread-safe: writes are serialised by a lock, as the log's single writer per partition is; forces run
 * outside it, one per caller, as naive per-append fsyncs do. A file is forced before it is rolled away from,
 * so a caller whose force finds the file already closed has nothing left to force.
 */
final class RawAppendFile implements AutoCloseable {

    private final Path dir;
    private final long segmentBytes;
    private final long keepBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Path> files = new ArrayDeque<>(); // oldest first, under lock
    private FileChannel active; // under lock
    private long position; // under lock
    private long segmentCount; // under lock

    RawAppendFile(Path dir, long segmentBytes, long keepBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.keepBytes = keepBytes;
        lock.lock();
        try {
            roll(false);
        } finally {
            lock.unlock();
        }
    }

    /** Writes every remaining byte of {@code bytes}, then forces the file when {@code force} is set. */
    void append(ByteBuffer bytes, boolean force) throws IOException {
        FileChannel written;
        lock.lock();
        try {
            if (position > 0 && position + bytes.remaining() > segmentBytes) {
                roll(force);
            }
            written = active;
            while (bytes.hasRemaining()) {
                position += written.write(bytes, position);
            }
        } finally {
            lock.unlock();
        }
        if (force) {
            try {
                written.force(false);
            } catch (ClosedChannelException rolledAndForced) {
                // the roll forced this file before closing it
            }
        }
    }

    private void roll(boolean forceOld) {
        try {
            if (active != null) {
                if (forceOld) {
                    active.force(false);
                }
                active.close();
            }
            Path file = dir.resolve(String.format("%020d.raw", segmentCount++));
            active = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            position = 0;
            files.addLast(file);
            // as the log's byte retention: drop the oldest file while the rest, besides the new one, hold enough
            while ((files.size() - 2) * segmentBytes >= keepBytes) {
                Files.deleteIfExists(files.removeFirst());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot roll the raw baseline file in " + dir, e);
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            active.close();
        } finally {
            lock.unlock();
        }
    }
}
