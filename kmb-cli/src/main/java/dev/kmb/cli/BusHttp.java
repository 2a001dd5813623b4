package dev.kmb.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.client.KmbException;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The few admin calls {@code kmb export} and {@code kmb import} make to a running bus over plain HTTP (topics and
 * replay); publishing goes through the SDK. A refusal is a {@link KmbException} carrying the bus's problem; a bus
 * that cannot be reached is one with {@code unavailable}. Thread-safe.
 */
final class BusHttp {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;

    BusHttp(URI base, Duration timeout) {
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("--url must be http:// or https://, was " + base);
        }
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    URI base() {
        return base;
    }

    /** GET a path; the body as bytes. @throws KmbException for any answer but 2xx */
    byte[] get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET());
    }

    /** GET a path; the body as JSON, or empty on 404. */
    Optional<JsonNode> getJsonIfFound(String pathAndQuery) {
        try {
            return Optional.of(json(get(pathAndQuery)));
        } catch (KmbException e) {
            if (e.problem().status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** POST a JSON body; the answer as JSON. */
    JsonNode post(String path, JsonNode body) {
        try {
            return json(send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))));
        } catch (IOException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    private byte[] send(HttpRequest.Builder request) {
        HttpRequest r = request.timeout(timeout).build();
        try {
            HttpResponse<byte[]> answer = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
            if (answer.statusCode() / 100 != 2) {
                throw new KmbException(problem(answer.statusCode(), answer.body()));
            }
            return answer.body();
        } catch (IOException e) {
            throw new KmbException(Problem.of(ProblemCode.UNAVAILABLE, "cannot reach the bus at " + base + " ("
                    + r.method() + " " + r.uri().getRawPath() + "): " + e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KmbException(Problem.of(ProblemCode.UNAVAILABLE, "interrupted"), e);
        }
    }

    private static JsonNode json(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new KmbException(Problem.of(ProblemCode.MALFORMED_JSON, "the bus answered with something that is not JSON"), e);
        }
    }

    private static Problem problem(int status, byte[] body) {
        try {
            return JSON.readValue(body, Problem.class);
        } catch (IOException | RuntimeException e) {
            ProblemCode code = status == 404 ? ProblemCode.NOT_FOUND : status >= 500 ? ProblemCode.INTERNAL : ProblemCode.BAD_REQUEST;
            return new Problem(code, code.title(), status, "HTTP " + status + " without a problem body", Optional.empty(), List.of());
        }
    }
}
