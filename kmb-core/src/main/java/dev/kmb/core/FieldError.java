package dev.kmb.core;

import java.util.Objects;

/**
 * One invalid field of a request: where it is (an RFC 6901 JSON pointer such as {@code /metadata/ttl}) and what
 * is wrong with it, bad value included.
 *
 * @param pointer JSON pointer to the field; the empty string means the whole document
 * @param message why the value was refused, naming the value
 */
public record FieldError(String pointer, String message) {

    public FieldError {
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(message, "message");
    }

    /** Escapes one JSON pointer reference token ({@code ~} becomes {@code ~0}, {@code /} becomes {@code ~1}). */
    public static String escapePointerToken(String token) {
        if (token.indexOf('~') < 0 && token.indexOf('/') < 0) {
            return token;
        }
        return token.replace("~", "~0").replace("/", "~1");
    }
}
