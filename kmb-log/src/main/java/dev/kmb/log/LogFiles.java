package dev.kmb.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * File names of the embedded log and the crash-safe ways it changes files: write to a temp file, fsync,
 * rename over, fsync the directory; delete by renaming to {@code .deleted} first. Stateless.
 *
 * <pre>
 * &lt;dir&gt;/.lock                              held by the process that has the log open
 * &lt;dir&gt;/.clean-shutdown                    present only after a clean close
 * &lt;dir&gt;/&lt;topic&gt;/topic.json                  topic spec
 * &lt;dir&gt;/&lt;topic&gt;/&lt;partition&gt;/recovery-point  offset below which data and indexes are on disk
 * &lt;dir&gt;/&lt;topic&gt;/&lt;partition&gt;/&lt;20-digit base offset&gt;.log / .index
 * Names with '~' (never valid in a topic) are leftovers of an unfinished create or delete.
 * </pre>
 */
final class LogFiles {

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String DELETED_SUFFIX = ".deleted";
    static final String TMP_SUFFIX = ".tmp";
    static final String LOCK_FILE = ".lock";
    static final String CLEAN_SHUTDOWN = ".clean-shutdown";
    static final String TOPIC_FILE = "topic.json";
    static final String RECOVERY_POINT = "recovery-point";
    /** Marks directories that are not (yet, or any more) a live topic. */
    static final char LEFTOVER_MARK = '~';

    private LogFiles() {
    }

    static String baseName(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    static Path logFile(Path partitionDir, long baseOffset) {
        return partitionDir.resolve(baseName(baseOffset) + LOG_SUFFIX);
    }

    static Path indexFile(Path partitionDir, long baseOffset) {
        return partitionDir.resolve(baseName(baseOffset) + INDEX_SUFFIX);
    }

    /** The base offset a segment file name stands for, or -1 when the name is not a segment's. */
    static long baseOffsetOf(Path file, String suffix) {
        String name = file.getFileName().toString();
        if (!name.endsWith(suffix) || name.length() != 20 + suffix.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Replaces {@code file} with {@code bytes} so a crash leaves either the old or the new content. */
    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        move(tmp, file);
        DurableFiles.fsyncDirectory(file.getParent());
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
