package dev.kmb.core;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The closed set of error kinds KMB reports, each with a stable snake_case {@link #code()} and its HTTP status.
 *
 * <p>Codes are part of the wire contract (clients switch on them); titles are for people and may be reworded.
 */
public enum ProblemCode {
    MALFORMED_JSON("malformed_json", 400, "Malformed JSON"),
    INVALID_TOPIC("invalid_topic", 400, "Invalid topic name"),
    INVALID_PATTERN("invalid_pattern", 400, "Invalid topic pattern"),
    BAD_REQUEST("bad_request", 400, "Bad request"),
    UNAUTHORIZED("unauthorized", 401, "Unauthorized"),
    FORBIDDEN("forbidden", 403, "Forbidden"),
    TOPIC_NOT_FOUND("topic_not_found", 404, "Topic not found"),
    SUBSCRIPTION_NOT_FOUND("subscription_not_found", 404, "Subscription not found"),
    NOT_FOUND("not_found", 404, "Not found"),
    SNAPSHOT_NOT_FOUND("snapshot_not_found", 404, "Snapshot not found"),
    TRANSACTION_NOT_FOUND("transaction_not_found", 404, "Transaction not found"),
    METHOD_NOT_ALLOWED("method_not_allowed", 405, "Method not allowed"),
    CONFLICT("conflict", 409, "Conflict"),
    TOPIC_EXISTS("topic_exists", 409, "Topic already exists"),
    SUBSCRIPTION_EXISTS("subscription_exists", 409, "Subscription already exists"),
    TRANSACTION_CLOSED("transaction_closed", 409, "Transaction closed"),
    MESSAGE_TOO_LARGE("message_too_large", 413, "Message too large"),
    VALIDATION_FAILED("validation_failed", 422, "Validation failed"),
    INVALID_FIELD("invalid_field", 422, "Invalid field"),
    SNAPSHOT_CORRUPT("snapshot_corrupt", 422, "Snapshot corrupt"),
    UNSUPPORTED("unsupported", 422, "Not supported by this backend"),
    BACK_PRESSURED("back_pressured", 429, "Back-pressured"),
    RATE_LIMITED("rate_limited", 429, "Rate limited"),
    INTERNAL("internal", 500, "Internal error"),
    UNAVAILABLE("unavailable", 503, "Unavailable"),
    TIMEOUT("timeout", 504, "Timeout");

    /** Prefix of every problem {@code type} URI; the code is appended. */
    public static final String TYPE_PREFIX = "https://kmb.dev/problems/";

    private static final Map<String, ProblemCode> BY_CODE =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(ProblemCode::code, Function.identity()));

    private final String code;
    private final int status;
    private final String title;

    ProblemCode(String code, int status, String title) {
        this.code = code;
        this.status = status;
        this.title = title;
    }

    /** The stable wire name, e.g. {@code invalid_topic}. */
    public String code() {
        return code;
    }

    /** The HTTP status this problem is answered with. */
    public int status() {
        return status;
    }

    /** A short human summary; the same for every occurrence of the code. */
    public String title() {
        return title;
    }

    /** The RFC 9457 {@code type} URI, {@code https://kmb.dev/problems/<code>}. */
    public String typeUri() {
        return TYPE_PREFIX + code;
    }

    /** Looks a code up by its wire name. */
    public static Optional<ProblemCode> fromCode(String code) {
        return Optional.ofNullable(BY_CODE.get(code));
    }
}
