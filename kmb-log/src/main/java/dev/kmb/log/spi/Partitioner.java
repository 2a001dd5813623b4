package dev.kmb.log.spi;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Key → partition exactly as Kafka's default partitioner does for keyed records:
 * {@code toPositive(murmur2(key)) % partitions}, so both backends put a key on the same partition.
 * Records without a key go round-robin. Thread-safe.
 */
public final class Partitioner {

    private final AtomicInteger roundRobin = new AtomicInteger();

    /** The partition of a key among {@code partitions}. */
    public static int partitionForKey(byte[] key, int partitions) {
        return toPositive(murmur2(key)) % partitions;
    }

    /** The partition for a record: by key when it has one, else the next in round-robin order. */
    public int partitionFor(LogRecord record, int partitions) {
        return record.key()
                .map(k -> partitionForKey(k, partitions))
                .orElseGet(() -> toPositive(roundRobin.getAndIncrement()) % partitions);
    }

    /** Kafka's {@code Utils.toPositive}: clears the sign bit (not {@code Math.abs}, which fails for MIN_VALUE). */
    public static int toPositive(int number) {
        return number & 0x7fffffff;
    }

    /** 32-bit murmur2 with Kafka's seed, bit for bit as {@code org.apache.kafka.common.utils.Utils.murmur2}. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            final int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16)
                    + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length4 * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
