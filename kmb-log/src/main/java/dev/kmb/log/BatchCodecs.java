package dev.kmb.log;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.Zstd;
import dev.kmb.log.spi.Compression;
import dev.kmb.log.spi.LogException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Compresses and decompresses the records block of a batch: gzip (JDK), zstd (zstd-jni) and brotli
 * (brotli4j, the maintained JNI binding Netty uses). Stateless and thread-safe.
 */
final class BatchCodecs {

    /** zstd level 1 and brotli quality 4: fast enough for the publish path, still a good ratio on JSON. */
    private static final int ZSTD_LEVEL = 1;
    private static final Encoder.Parameters BROTLI = new Encoder.Parameters().setQuality(4);

    private BatchCodecs() {
    }

    static byte[] compress(Compression codec, ByteBuffer raw) {
        byte[] src = toArray(raw);
        try {
            return switch (codec) {
                case NONE -> src;
                case GZIP -> gzip(src);
                case ZSTD -> Zstd.compress(src, ZSTD_LEVEL);
                case BROTLI -> {
                    ensureBrotli();
                    yield Encoder.compress(src, BROTLI);
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + codec.wireName() + "-compress a batch", e);
        }
    }

    static byte[] decompress(Compression codec, ByteBuffer compressed) {
        byte[] src = toArray(compressed);
        try {
            return switch (codec) {
                case NONE -> src;
                case GZIP -> {
                    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(src))) {
                        yield in.readAllBytes();
                    }
                }
                case ZSTD -> {
                    long size = Zstd.getFrameContentSize(src);
                    if (size < 0 || size > RecordBatch.MAX_BATCH_SIZE) {
                        throw new IllegalArgumentException("zstd frame has no usable content size (" + size + ")");
                    }
                    yield Zstd.decompress(src, (int) size);
                }
                case BROTLI -> {
                    ensureBrotli();
                    DirectDecompress result = Decoder.decompress(src);
                    if (result.getResultStatus() != DecoderJNI.Status.DONE) {
                        throw new IllegalArgumentException("brotli stream ended with " + result.getResultStatus());
                    }
                    yield result.getDecompressedData();
                }
            };
        } catch (IOException e) {
            throw new IllegalArgumentException(codec.wireName() + " block does not decompress: " + e.getMessage(), e);
        }
    }

    private static byte[] gzip(byte[] src) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, src.length / 2));
        try (GZIPOutputStream out = new GZIPOutputStream(bytes, 8192)) {
            out.write(src);
        }
        return bytes.toByteArray();
    }

    private static void ensureBrotli() {
        if (!Brotli4jLoader.isAvailable()) {
            throw new LogException("brotli is not available on this platform: " + Brotli4jLoader.getUnavailabilityCause());
        }
    }

    private static byte[] toArray(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
