package dev.kmb.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;

/**
 * A segment held on the heap, for {@code ephemeral} topics: gone on restart. The array only grows by copy,
 * and readers read below the size published after the copy, so one writer and many readers need no lock.
 */
final class MemorySegmentStore implements SegmentStore {

    private volatile byte[] data;
    private volatile int size;
    private volatile boolean closed;

    MemorySegmentStore(int initialCapacity) {
        this.data = new byte[Math.max(1024, initialCapacity)];
    }

    @Override
    public long append(ByteBuffer src) throws IOException {
        ensureOpen();
        int at = size;
        int n = src.remaining();
        byte[] d = data;
        if (at + n > d.length) {
            d = Arrays.copyOf(d, Math.max(at + n, d.length * 2));
            data = d;
        }
        src.get(d, at, n);
        size = at + n;
        return at;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        ensureOpen();
        int s = size;
        byte[] d = data;
        if (position >= s) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), s - position);
        dst.put(d, (int) position, n);
        return n;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void truncateTo(long newSize) {
        size = (int) newSize;
    }

    @Override
    public void flush() {
        // memory only: nothing to force
    }

    @Override
    public void close() {
        closed = true;
        data = new byte[0];
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }
}
