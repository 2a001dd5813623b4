package dev.kmb.broker;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.github.luben.zstd.ZstdInputStream;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import dev.kmb.core.ProblemException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Reads a snapshot directory ({@link SnapshotFormat}): the manifest when opened, then the data file in one streaming
 * {@link #scan} that checks everything — each line decodes under the codec's publish rules (size limit, every
 * field), partitions and offsets follow the manifest's ranges in order, each message is of the manifest's topic, the
 * counts add up, and the SHA-256 and size of the data file match. Any fault is 422 {@code snapshot_corrupt} (413
 * {@code message_too_large} for a message larger than this bus accepts), naming the line.
 *
 * <p>A fault may be found only at the end of the file (a wrong checksum), so a caller that acts on messages scans
 * twice: {@link #verify} first, then {@link #scan} with the action. Not thread-safe; each scan opens the data file.
 */
public final class SnapshotReader {

    private static final JsonFactory JSON = new JsonFactory();

    private final Path dir;
    private final EnvelopeCodec codec;
    private final SnapshotManifest manifest;

    private SnapshotReader(Path dir, EnvelopeCodec codec, SnapshotManifest manifest) {
        this.dir = dir;
        this.codec = codec;
        this.manifest = manifest;
    }

    /**
     * Opens a snapshot directory and reads its manifest.
     *
     * @throws NoSuchFileException when the directory or its manifest does not exist
     * @throws ProblemException    422 {@code snapshot_corrupt} when the manifest is not a valid one
     */
    public static SnapshotReader open(Path dir, EnvelopeCodec codec) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(SnapshotFormat.MANIFEST_FILE));
        return new SnapshotReader(dir, codec, SnapshotManifest.parse(bytes));
    }

    public SnapshotManifest manifest() {
        return manifest;
    }

    /** Scans the whole snapshot without acting on it. @throws ProblemException as described on the class */
    public void verify() throws IOException {
        scan(m -> { });
    }

    /**
     * Reads every message in file order and hands it to {@code each}; checks as described on the class.
     *
     * @throws ProblemException at the first fault; messages before it have been handed over
     */
    public void scan(Consumer<SnapshotMessage> each) throws IOException {
        MessageDigest sha256 = sha256();
        Path file = dir.resolve(SnapshotFormat.DATA_FILE);
        long[] counts = new long[manifest.partitions().size()];
        try (InputStream raw = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), sha256)) {
            readLines(raw, counts, each);
            raw.transferTo(OutputStream.nullOutputStream()); // bytes after the last zstd frame count for the checksum too
        }
        checkCounts(counts);
        checkDigest(file, HexFormat.of().formatHex(sha256.digest()));
    }

    private void readLines(InputStream raw, long[] counts, Consumer<SnapshotMessage> each) {
        Position at = new Position();
        InputStream unclosed = new FilterInputStream(raw) {
            @Override
            public void close() {
                // the caller still reads the rest for the checksum
            }
        };
        try (ZstdInputStream unzstd = new ZstdInputStream(unclosed)) {
            LineReader lines = new LineReader(unzstd, codec.limits().maxEnvelopeBytes() + SnapshotFormat.LINE_OVERHEAD_BYTES);
            for (byte[] line = lines.next(); line != null; line = lines.next()) {
                at.line++;
                SnapshotMessage m = message(line, at);
                counts[m.partition()]++;
                each.accept(m);
            }
        } catch (IOException e) {
            throw corrupt("data file is truncated or damaged after line " + at.line + " (" + e.getMessage() + ")");
        }
    }

    /** Where the scan is: line number, current partition and last offset. */
    private static final class Position {
        long line;
        int partition = -1;
        long lastOffset = -1;
    }

    private SnapshotMessage message(byte[] line, Position at) {
        Split s = split(line, at.line);
        if (s.partition < 0 || s.partition >= manifest.partitions().size() || s.partition < at.partition) {
            throw corrupt("line " + at.line + ": partition " + s.partition + " is out of order or not in the manifest");
        }
        if (s.partition != at.partition) {
            at.partition = (int) s.partition;
            at.lastOffset = -1;
        }
        SnapshotManifest.PartitionRange range = manifest.partitions().get(at.partition);
        if (s.offset <= at.lastOffset || s.offset < range.startOffset() || s.offset >= range.endOffset()) {
            throw corrupt("line " + at.line + ": offset " + s.offset + " of partition " + s.partition
                    + " is out of order or outside the manifest's range " + range.startOffset() + ".." + range.endOffset());
        }
        at.lastOffset = s.offset;
        Envelope e = decode(s, at.line);
        if (!e.topic().equals(manifest.topic()) || e.timestamp().isEmpty()) {
            throw corrupt("line " + at.line + ": the message is not a stored message of topic " + manifest.topic());
        }
        return new SnapshotMessage(at.partition, s.offset, e);
    }

    private Envelope decode(Split s, long line) {
        try {
            return codec.decode(s.envelope);
        } catch (ProblemException e) {
            String where = "line " + line + " (partition " + s.partition + ", offset " + s.offset + "): ";
            ProblemCode code = e.code() == ProblemCode.MESSAGE_TOO_LARGE ? ProblemCode.MESSAGE_TOO_LARGE
                    : ProblemCode.SNAPSHOT_CORRUPT;
            throw new ProblemException(Problem.of(code, "snapshot " + where + e.problem().detail(), e.problem().errors()), e);
        }
    }

    /** A line taken apart: its partition and offset, and the envelope JSON without them. */
    private record Split(long partition, long offset, byte[] envelope) {
    }

    /**
     * Takes {@code partition} and {@code offset} out of a line, copying the other members' bytes as they are (so the
     * payload keeps its exact bytes).
     */
    private static Split split(byte[] line, long lineNo) {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw corrupt("line " + lineNo + " is not a JSON object");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(line.length);
            out.write('{');
            long partition = -1;
            long offset = -1;
            JsonToken t;
            for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                int from = (int) p.currentTokenLocation().getByteOffset();
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("partition") || name.equals("offset")) {
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                        throw corrupt("line " + lineNo + ": " + name + " must be a whole number >= 0");
                    }
                    if (name.equals("partition")) {
                        partition = p.getLongValue();
                    } else {
                        offset = p.getLongValue();
                    }
                    continue;
                }
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                } else if (v == JsonToken.VALUE_STRING) {
                    p.finishToken(); // strings are scanned lazily; make the parser pass the closing quote
                }
                int to = (int) p.currentLocation().getByteOffset();
                if (out.size() > 1) {
                    out.write(',');
                }
                out.write(line, from, to - from);
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw corrupt("line " + lineNo + " is not one JSON object");
            }
            if (partition < 0 || offset < 0) {
                throw corrupt("line " + lineNo + " lacks its partition or offset");
            }
            out.write('}');
            return new Split(partition, offset, out.toByteArray());
        } catch (JsonProcessingException e) {
            throw corrupt("line " + lineNo + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalStateException("reading a byte array cannot fail", e);
        }
    }

    private void checkCounts(long[] counts) {
        for (SnapshotManifest.PartitionRange r : manifest.partitions()) {
            if (counts[r.partition()] != r.count()) {
                throw corrupt("partition " + r.partition() + " holds " + counts[r.partition()] + " messages, the manifest says "
                        + r.count());
            }
        }
    }

    private void checkDigest(Path file, String actual) throws IOException {
        long size = Files.size(file);
        if (size != manifest.dataBytes() || !actual.equals(manifest.dataSha256())) {
            throw corrupt("the data file does not match the manifest: " + size + " bytes with SHA-256 " + actual
                    + ", the manifest says " + manifest.dataBytes() + " bytes with " + manifest.dataSha256());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static ProblemException corrupt(String what) {
        return new ProblemException(ProblemCode.SNAPSHOT_CORRUPT, "snapshot " + what);
    }

    /** Splits a stream into lines of at most {@code maxBytes}, without the line break. Not thread-safe. */
    private static final class LineReader {
        private final InputStream in;
        private final int maxBytes;
        private final byte[] buf = new byte[1 << 16];
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
        private int pos;
        private int limit;

        LineReader(InputStream in, int maxBytes) {
            this.in = in;
            this.maxBytes = maxBytes;
        }

        /** The next line; null at the end of the stream. */
        byte[] next() throws IOException {
            line.reset();
            while (true) {
                if (pos == limit) {
                    limit = in.read(buf, 0, buf.length);
                    pos = 0;
                    if (limit <= 0) {
                        limit = 0;
                        if (line.size() == 0) {
                            return null;
                        }
                        throw corrupt("the last line has no line break: the data file is truncated");
                    }
                }
                int start = pos;
                while (pos < limit && buf[pos] != '\n') {
                    pos++;
                }
                line.write(buf, start, pos - start);
                if (line.size() > maxBytes) {
                    throw new ProblemException(ProblemCode.MESSAGE_TOO_LARGE, "snapshot data holds a line longer than "
                            + maxBytes + " bytes: larger than the largest message this bus accepts");
                }
                if (pos < limit) {
                    pos++; // the line break
                    return line.toByteArray();
                }
            }
        }
    }
}
