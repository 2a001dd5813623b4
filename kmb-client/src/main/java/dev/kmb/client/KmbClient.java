package dev.kmb.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import dev.kmb.core.Problem;
import dev.kmb.core.ProblemCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The KMB Java SDK's entry point: publishes over HTTP ({@code POST /v1/publish}) and opens WebSocket
 * {@link KmbConnection}s for pipelined publishing and subscriptions. Built with {@link #builder(URI)}; one instance is
 * meant to be shared. Thread-safe.
 */
public final class KmbClient implements AutoCloseable {

    /** Settings every connection of a client shares. */
    record Settings(Duration connectTimeout, Duration requestTimeout, Duration ackDelay, int maxInFlight,
                    ScheduledExecutorService scheduler) {
    }

    private final URI base;
    private final Settings settings;
    private final HttpClient http;
    private final EnvelopeCodec codec;
    private final ObjectMapper json;
    private final ClientFrames frames;

    private KmbClient(Builder b) {
        this.base = b.base;
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kmb-client-timer");
            t.setDaemon(true);
            return t;
        });
        this.settings = new Settings(b.connectTimeout, b.requestTimeout, b.ackDelay, b.maxInFlight, scheduler);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.connectTimeout).build();
        this.codec = b.codec;
        this.json = new ObjectMapper(dev.kmb.core.JsonFactories.pooled());
        this.frames = new ClientFrames(codec, json);
    }

    /** A builder for a client of the bus at {@code baseUri} (e.g. {@code http://127.0.0.1:8080}). */
    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    // ================================================================ HTTP publish

    /** Publishes one envelope over HTTP and waits for its receipt. @throws KmbException when refused */
    public Receipt publish(Envelope envelope) {
        return join(publishAsync(List.of(envelope), false)).get(0);
    }

    /** Publishes a batch over HTTP ({@code {"messages":[…]}}); receipts in request order. */
    public List<Receipt> publishBatch(List<Envelope> envelopes) {
        return join(publishAsync(envelopes, true));
    }

    /** Publishes a batch over HTTP without waiting. */
    public CompletableFuture<List<Receipt>> publishBatchAsync(List<Envelope> envelopes) {
        return publishAsync(envelopes, true);
    }

    private CompletableFuture<List<Receipt>> publishAsync(List<Envelope> envelopes, boolean batch) {
        byte[] body = batch ? codec.encodeBatch(envelopes) : codec.encode(envelopes.get(0));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/publish")).timeout(settings.requestTimeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> {
            if (r.statusCode() >= 300) {
                throw new KmbException(problemOf(r.statusCode(), r.body()));
            }
            return receipts(r.body());
        });
    }

    private List<Receipt> receipts(byte[] body) {
        try (JsonParser p = json.getFactory().createParser(body)) {
            List<Receipt> out = new ArrayList<>();
            ClientFrames.ReceiptReader single = new ClientFrames.ReceiptReader();
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("receipt is not a JSON object");
            }
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                if (name.equals("receipts") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        ClientFrames.ReceiptReader r = new ClientFrames.ReceiptReader();
                        for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
                            p.nextToken();
                            if (!r.read(f, p)) {
                                p.skipChildren();
                            }
                        }
                        out.add(r.build());
                    }
                } else if (!single.read(name, p)) {
                    p.skipChildren();
                }
            }
            if (out.isEmpty()) {
                out.add(single.build());
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new KmbException(Problem.of(ProblemCode.MALFORMED_JSON, "unreadable publish answer: " + e), e);
        }
    }

    /** The problem in an error response, or one made from the status when the body is not problem JSON. */
    Problem problemOf(int status, byte[] body) {
        try {
            return json.readValue(body, Problem.class);
        } catch (IOException | RuntimeException e) {
            ProblemCode code = status == 404 ? ProblemCode.NOT_FOUND : status == 429 ? ProblemCode.RATE_LIMITED
                    : status >= 500 ? ProblemCode.INTERNAL : ProblemCode.BAD_REQUEST;
            return new Problem(code, code.title(), status, "HTTP " + status + " without a problem body", Optional.empty(), List.of());
        }
    }

    // ================================================================ WebSocket

    /**
     * Opens a WebSocket connection ({@code /v1/ws?frames=binary}: frames travel as UTF-8 JSON in binary messages, which
     * spares both sides a character conversion). @throws KmbException when it cannot be opened
     */
    public KmbConnection connect() {
        KmbConnection connection = new KmbConnection(settings, codec, frames);
        String scheme = base.getScheme().equals("https") ? "wss" : "ws";
        URI ws = URI.create(scheme + "://" + base.getRawAuthority() + "/v1/ws?frames=binary");
        try {
            connection.attach(http.newWebSocketBuilder().connectTimeout(settings.connectTimeout())
                    .buildAsync(ws, connection.listener()).get(settings.connectTimeout().toMillis() * 2, TimeUnit.MILLISECONDS));
            return connection;
        } catch (ExecutionException | TimeoutException e) {
            throw KmbException.local(ProblemCode.UNAVAILABLE, "cannot open " + ws + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KmbException.local(ProblemCode.UNAVAILABLE, "interrupted while connecting to " + ws, e);
        }
    }

    /** Stops the client's timer; open connections should be closed first. */
    @Override
    public void close() {
        settings.scheduler().shutdownNow();
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof KmbException) {
                throw (KmbException) e.getCause();
            }
            throw KmbException.local(ProblemCode.UNAVAILABLE, "request failed: " + e.getCause(), e.getCause());
        }
    }

    /** Builds a {@link KmbClient}; validates when built. Not thread-safe. */
    public static final class Builder {
        private final URI base;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration ackDelay = Duration.ofMillis(5);
        private int maxInFlight = 4096;
        private EnvelopeCodec codec = new EnvelopeCodec();

        private Builder(URI base) {
            this.base = Objects.requireNonNull(base, "baseUri");
        }

        /** Time to open a connection (default 5 s). */
        public Builder connectTimeout(Duration value) {
            connectTimeout = positive(value, "connectTimeout");
            return this;
        }

        /** Time a request may wait for its answer (default 30 s). */
        public Builder requestTimeout(Duration value) {
            requestTimeout = positive(value, "requestTimeout");
            return this;
        }

        /** How long acks, nacks and terms wait to be coalesced into one frame each (default 5 ms; zero sends each at once). */
        public Builder ackDelay(Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("ackDelay must be >= 0, was " + value);
            }
            ackDelay = value;
            return this;
        }

        /** WebSocket publishes awaiting their receipt per connection before {@code publish} blocks (default 4096). */
        public Builder maxInFlight(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1, was " + value);
            }
            maxInFlight = value;
            return this;
        }

        /** The codec envelopes are written and read with (its limits and id generator). */
        public Builder codec(EnvelopeCodec value) {
            codec = Objects.requireNonNull(value, "codec");
            return this;
        }

        public KmbClient build() {
            if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
                throw new IllegalArgumentException("base URI must be http or https, was " + base);
            }
            return new KmbClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be > 0, was " + d);
            }
            return d;
        }
    }
}
