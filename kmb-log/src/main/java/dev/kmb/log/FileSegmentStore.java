package dev.kmb.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A segment held in a file. Appends are positional writes at the end (page cache: survives a process
 * crash); {@link #flush()} is {@code fdatasync}. Thread-safe for one writer and many readers.
 */
final class FileSegmentStore implements SegmentStore {

    private final FileChannel channel;
    private volatile long size;

    private FileSegmentStore(FileChannel channel, long size) {
        this.channel = channel;
        this.size = size;
    }

    static FileSegmentStore open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new FileSegmentStore(ch, ch.size());
    }

    static FileSegmentStore openReadOnly(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        return new FileSegmentStore(ch, ch.size());
    }

    @Override
    public long append(ByteBuffer src) throws IOException {
        long at = size;
        long pos = at;
        while (src.hasRemaining()) {
            pos += channel.write(src, pos);
        }
        size = pos;
        return at;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return channel.read(dst, position);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void truncateTo(long newSize) throws IOException {
        channel.truncate(newSize);
        channel.force(true);
        size = newSize;
    }

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
