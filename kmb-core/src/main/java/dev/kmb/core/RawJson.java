package dev.kmb.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One well-formed JSON value kept as its exact UTF-8 bytes: a message payload travels through the bus without ever
 * being turned into a tree, and is written back byte for byte.
 *
 * <p>Immutable and thread-safe: factories copy their input and accessors hand out copies. Equality is by bytes, so
 * {@code {"a":1}} and {@code { "a": 1 }} differ.
 */
public final class RawJson {

    private static final JsonFactory JSON = JsonFactories.pooled();

    /** The JSON literal {@code null}. */
    public static final RawJson NULL = new RawJson("null".getBytes(StandardCharsets.US_ASCII));

    /** The empty object {@code {}}. */
    public static final RawJson EMPTY_OBJECT = new RawJson("{}".getBytes(StandardCharsets.US_ASCII));

    private final byte[] utf8;

    private RawJson(byte[] utf8) {
        this.utf8 = utf8;
    }

    /**
     * Wraps JSON text after checking it holds exactly one JSON value.
     *
     * @throws ProblemException {@code malformed_json} naming where the text breaks
     */
    public static RawJson of(String json) {
        return of(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Wraps (a copy of) UTF-8 JSON bytes after checking they hold exactly one JSON value.
     *
     * @throws ProblemException {@code malformed_json} naming where the bytes break
     */
    public static RawJson of(byte[] utf8) {
        byte[] copy = utf8.clone();
        check(copy);
        return new RawJson(copy);
    }

    /** Wraps bytes the caller has already checked and will not touch again (the codec's own slices). */
    static RawJson trusted(byte[] utf8) {
        return new RawJson(utf8);
    }

    private static void check(byte[] utf8) {
        try (JsonParser parser = JSON.createParser(utf8)) {
            if (parser.nextToken() == null) {
                throw new ProblemException(ProblemCode.MALFORMED_JSON, "JSON value is empty");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new ProblemException(ProblemCode.MALFORMED_JSON,
                        "JSON value is followed by more content at byte " + parser.currentTokenLocation().getByteOffset());
            }
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.of(ProblemCode.MALFORMED_JSON, e.getOriginalMessage() + " at byte "
                    + e.getLocation().getByteOffset()), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen reading a byte array
        }
    }

    /** A copy of the UTF-8 bytes. */
    public byte[] toByteArray() {
        return utf8.clone();
    }

    /** The length in bytes. */
    public int length() {
        return utf8.length;
    }

    /** The JSON text. */
    public String asString() {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** The bytes themselves, for the codec's writer; must not be modified. */
    byte[] unsafeBytes() {
        return utf8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawJson other && Arrays.equals(utf8, other.utf8);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(utf8);
    }

    @Override
    public String toString() {
        return asString();
    }
}
