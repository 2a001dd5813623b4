package dev.kmb.core;

/**
 * Size limits the {@link EnvelopeCodec} enforces when it decodes; immutable.
 *
 * @param maxEnvelopeBytes largest accepted encoded envelope, in bytes (default 1 MiB); answered with
 *                         {@code message_too_large}
 * @param maxBatchMessages most envelopes accepted in one {@code {"messages":[...]}} batch (default 1000)
 */
public record EnvelopeLimits(int maxEnvelopeBytes, int maxBatchMessages) {

    /** Default largest envelope: 1 MiB. */
    public static final int DEFAULT_MAX_ENVELOPE_BYTES = 1 << 20;

    /** Default largest batch: 1000 envelopes. */
    public static final int DEFAULT_MAX_BATCH_MESSAGES = 1000;

    /** The defaults: 1 MiB per envelope, 1000 per batch. */
    public static final EnvelopeLimits DEFAULT =
            new EnvelopeLimits(DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_BATCH_MESSAGES);

    public EnvelopeLimits {
        if (maxEnvelopeBytes < 64) {
            throw new IllegalArgumentException("maxEnvelopeBytes must be >= 64, was " + maxEnvelopeBytes);
        }
        if (maxBatchMessages < 1) {
            throw new IllegalArgumentException("maxBatchMessages must be >= 1, was " + maxBatchMessages);
        }
    }

    /** These limits with another largest envelope size. */
    public EnvelopeLimits withMaxEnvelopeBytes(int bytes) {
        return new EnvelopeLimits(bytes, maxBatchMessages);
    }
}
