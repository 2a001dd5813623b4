package dev.kmb.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of one segment: a file for {@code durable}/{@code persistent} topics, memory for
 * {@code ephemeral} ones. One writer appends (under its partition's lock); any number of readers read
 * positions below the size they were shown, concurrently with the writer.
 */
interface SegmentStore {

    /** Appends every remaining byte of {@code src}; returns the position it was written at. */
    long append(ByteBuffer src) throws IOException;

    /** Reads up to {@code dst.remaining()} bytes from {@code position}; returns the count, -1 at the end. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Bytes written so far. */
    long size();

    /** Cuts the store to {@code size} bytes (recovery of a torn tail). */
    void truncateTo(long size) throws IOException;

    /** Forces written bytes to the device (fsync); a no-op in memory. */
    void flush() throws IOException;

    /** Releases the store; reads after close fail. */
    void close() throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes or fewer only at the end of the store. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = read(dst, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }
}
