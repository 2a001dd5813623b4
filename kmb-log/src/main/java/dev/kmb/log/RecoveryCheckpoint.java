package dev.kmb.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * A partition's recovery point: every segment below it has its data and index file on the device, so
 * recovery after a crash scans only from there. Written atomically on roll and on clean close.
 *
 * <pre>
 * recovery-point file, version 1. Integers are big-endian.
 *   0  4  magic     "KMBR"
 *   4  1  version   1
 *   5  8  offset    recovery point
 *  13  4  crc       CRC32C of bytes [0, 13)
 * </pre>
 */
final class RecoveryCheckpoint {

    private static final int MAGIC = 0x4b4d4252; // "KMBR"
    private static final byte VERSION = 1;
    private static final int SIZE = 17;

    private RecoveryCheckpoint() {
    }

    static void write(Path partitionDir, long offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putInt(MAGIC).put(VERSION).putLong(offset);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 13);
        b.putInt((int) crc.getValue());
        LogFiles.writeAtomically(partitionDir.resolve(LogFiles.RECOVERY_POINT), b.array());
    }

    /** The stored recovery point; empty when the file is missing or damaged (then recovery starts at 0). */
    static OptionalLong read(Path partitionDir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(partitionDir.resolve(LogFiles.RECOVERY_POINT));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
        if (bytes.length != SIZE) {
            return OptionalLong.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 13);
        if (b.getInt() != MAGIC || b.get() != VERSION || (int) crc.getValue() != b.getInt(13)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(b.getLong());
    }
}
