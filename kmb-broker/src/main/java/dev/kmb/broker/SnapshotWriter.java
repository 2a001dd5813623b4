package dev.kmb.broker;

import com.github.luben.zstd.ZstdOutputStream;
import dev.kmb.core.TopicName;
import dev.kmb.log.spi.TopicSpec;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Writes one snapshot directory in the {@link SnapshotFormat}: each line goes through zstd into the data file while
 * the SHA-256 of the compressed bytes is computed; {@link #finish} writes the manifest, fsyncs, and renames the
 * directory from its temporary name into place. It streams: memory use does not grow with the topic.
 *
 * <p>Partitions are written in order ({@link #beginPartition} 0, 1, …) and offsets ascending within each.
 * Not thread-safe: one writer per snapshot. Crash safety: until {@link #finish} returns, the directory carries the
 * {@link SnapshotFormat#TEMP_SUFFIX} and is not a snapshot; {@link #close} without {@code finish} removes it.
 */
public final class SnapshotWriter implements Closeable {

    private final Path target;
    private final Path temp;
    private final TopicName topic;
    private final TopicSpec config;
    private final MessageDigest sha256;
    private final OutputStream data;
    private final List<SnapshotManifest.PartitionRange> ranges = new ArrayList<>();
    private int partition = -1;
    private long start;
    private long end;
    private long lastOffset;
    private long partitionCount;
    private long messages;
    private long minTimestamp = Long.MAX_VALUE;
    private long maxTimestamp = Long.MIN_VALUE;
    private boolean finished;

    private SnapshotWriter(Path target, Path temp, TopicName topic, TopicSpec config) throws IOException {
        this.target = target;
        this.temp = temp;
        this.topic = topic;
        this.config = config;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        OutputStream file = new BufferedOutputStream(Files.newOutputStream(temp.resolve(SnapshotFormat.DATA_FILE)), 1 << 16);
        ZstdOutputStream zstd = new ZstdOutputStream(new DigestOutputStream(file, sha256), SnapshotFormat.ZSTD_LEVEL);
        zstd.setChecksum(true); // zstd's own frame checksum: damage shows where it is, not only at the end
        this.data = new BufferedOutputStream(zstd, 1 << 16);
    }

    /**
     * Starts a snapshot of {@code topic} to be found at {@code target} once finished.
     *
     * @throws FileAlreadyExistsException when {@code target}, or its temporary sibling, exists
     */
    public static SnapshotWriter create(Path target, TopicName topic, TopicSpec config) throws IOException {
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "a snapshot directory must not exist yet");
        }
        Path temp = target.resolveSibling(target.getFileName() + SnapshotFormat.TEMP_SUFFIX);
        Path parent = temp.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try {
            Files.createDirectory(temp);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(temp.toString(), null,
                    "a writer of this snapshot is running, or one was cut short (then remove it)");
        }
        try {
            return new SnapshotWriter(target, temp, topic, config);
        } catch (IOException | RuntimeException e) {
            dev.kmb.log.DurableFiles.deleteRecursively(temp);
            throw e;
        }
    }

    /** Starts the next partition: its messages come from offsets {@code startOffset} (inclusive) to {@code endOffset}. */
    public void beginPartition(int p, long startOffset, long endOffset) {
        if (p != partition + 1 || p >= config.partitions()) {
            throw new IllegalStateException("partition " + p + " out of order: expected " + (partition + 1) + " of "
                    + config.partitions());
        }
        if (startOffset < 0 || startOffset > endOffset) {
            throw new IllegalArgumentException("partition " + p + ": bad range " + startOffset + ".." + endOffset);
        }
        endPartition();
        partition = p;
        start = startOffset;
        end = endOffset;
        lastOffset = startOffset - 1;
        partitionCount = 0;
    }

    /**
     * Appends one message of the current partition: its offset, its timestamp and its line (the envelope JSON with
     * {@code partition} and {@code offset}, without the line break).
     */
    public void append(long offset, long timestampMillis, byte[] line) throws IOException {
        if (partition < 0) {
            throw new IllegalStateException("beginPartition first");
        }
        if (offset <= lastOffset || offset >= end) {
            throw new IllegalArgumentException("partition " + partition + ": offset " + offset + " is not after "
                    + lastOffset + " and below " + end);
        }
        data.write(oneLine(line));
        data.write('\n');
        lastOffset = offset;
        partitionCount++;
        messages++;
        minTimestamp = Math.min(minTimestamp, timestampMillis);
        maxTimestamp = Math.max(maxTimestamp, timestampMillis);
    }

    /** Messages appended so far. */
    public long messages() {
        return messages;
    }

    /** Ends the data file, writes the manifest and renames the directory into place; returns the manifest. */
    public SnapshotManifest finish(Instant createdAt) throws IOException {
        if (partition != config.partitions() - 1) {
            throw new IllegalStateException("only " + (partition + 1) + " of " + config.partitions() + " partitions written");
        }
        endPartition();
        data.close();
        Path dataFile = temp.resolve(SnapshotFormat.DATA_FILE);
        dev.kmb.log.DurableFiles.fsync(dataFile);
        SnapshotManifest manifest = new SnapshotManifest(topic, config, ranges, messages,
                messages == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(minTimestamp)),
                messages == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(maxTimestamp)),
                Files.size(dataFile), HexFormat.of().formatHex(sha256.digest()), createdAt);
        Path manifestFile = temp.resolve(SnapshotFormat.MANIFEST_FILE);
        Files.write(manifestFile, manifest.toBytes());
        dev.kmb.log.DurableFiles.fsync(manifestFile);
        dev.kmb.log.DurableFiles.fsyncDirectory(temp);
        SnapshotFiles.rename(temp, target);
        finished = true;
        return manifest;
    }

    /** Removes the unfinished directory; does nothing after {@link #finish}. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        try {
            data.close();
        } catch (IOException e) {
            // the directory goes anyway
        }
        try {
            dev.kmb.log.DurableFiles.deleteRecursively(temp);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the unfinished snapshot " + temp, e);
        }
    }

    private void endPartition() {
        if (partition >= 0 && ranges.size() == partition) {
            ranges.add(new SnapshotManifest.PartitionRange(partition, start, end, partitionCount));
        }
    }

    /** The line with the line breaks it may hold as JSON whitespace turned into spaces (never inside strings). */
    private static byte[] oneLine(byte[] line) {
        byte[] out = line;
        for (int i = 0; i < line.length; i++) {
            if (line[i] == '\n' || line[i] == '\r') {
                if (out == line) {
                    out = line.clone();
                }
                out[i] = ' ';
            }
        }
        return out;
    }
}
