package dev.kmb.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Walks the batches of a segment store in file order through one reusable buffer, checking each (length,
 * magic, CRC). Recovery, {@code kmb log verify} and {@code kmb log dump} share it, so they agree on what
 * counts as damage. Not thread-safe; single use.
 */
final class BatchScanner {

    /** One step of the walk: the position, the verdict, and the batch when it is valid. */
    record Step(long position, RecordBatch.Check check, RecordBatch batch) {
        boolean valid() {
            return check.status() == RecordBatch.Status.VALID;
        }
    }

    private static final int CHUNK = 1 << 20;

    private final SegmentStore store;
    private final long limit;
    private ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    private long bufferStart; // file position of buffer[0]
    private long position;

    BatchScanner(SegmentStore store, long from, long limit) {
        this.store = store;
        this.limit = limit;
        this.position = from;
        this.bufferStart = from;
        buffer.limit(0);
    }

    /** True while there are bytes left to look at. */
    boolean hasNext() {
        return position < limit;
    }

    /** The next step; after a step that is not valid the walk stops (there is no way to resync). */
    Step next() throws IOException {
        int need = RecordBatch.HEADER_SIZE;
        while (true) {
            ensure(need);
            ByteBuffer view = buffer.duplicate();
            view.position((int) (position - bufferStart));
            RecordBatch.Check check = RecordBatch.check(view);
            if (check.status() == RecordBatch.Status.VALID) {
                RecordBatch batch = RecordBatch.wrap(view);
                Step step = new Step(position, check, batch);
                position += check.size();
                return step;
            }
            if (check.status() == RecordBatch.Status.TORN) {
                long left = limit - position;
                int declared = view.remaining() >= RecordBatch.LOG_OVERHEAD
                        ? view.getInt(view.position() + RecordBatch.LENGTH) + RecordBatch.LOG_OVERHEAD : need;
                int wanted = Math.max(need, declared);
                if (left >= wanted && view.remaining() < wanted) {
                    need = wanted; // the batch is in the file, just not in the buffer yet
                    continue;
                }
            }
            Step step = new Step(position, check, null);
            position = limit;
            return step;
        }
    }

    /** Makes at least {@code n} bytes from {@code position} available in the buffer, if the store has them. */
    private void ensure(int n) throws IOException {
        int offsetInBuffer = (int) (position - bufferStart);
        if (buffer.limit() - offsetInBuffer >= n) {
            return;
        }
        long want = Math.min(Math.max(n, CHUNK), limit - position);
        if (buffer.capacity() < want) {
            buffer = ByteBuffer.allocate((int) want);
        }
        buffer.clear();
        buffer.limit((int) want);
        store.readFully(buffer, position);
        buffer.flip();
        bufferStart = position;
    }
}
