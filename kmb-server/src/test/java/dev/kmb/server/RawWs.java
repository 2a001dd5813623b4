package dev.kmb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The JDK WebSocket client driven by hand: raw frames out, parsed frames in (remembering whether each came as a text or
 * a binary message), and reading only on request.
 */
final class RawWs implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A frame as received: its UTF-8 text and whether it came as a binary message. */
    record Received(String text, boolean binary) {
    }

    private final LinkedBlockingQueue<Received> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final java.io.ByteArrayOutputStream partialBinary = new java.io.ByteArrayOutputStream();
    private final boolean autoRequest;
    private WebSocket ws;

    private RawWs(boolean autoRequest) {
        this.autoRequest = autoRequest;
    }

    /** Opens {@code /v1/ws}; with {@code autoRequest} false nothing is read until {@link #request}. */
    static RawWs open(URI base, boolean autoRequest) {
        return open(base, "", autoRequest);
    }

    /** Opens {@code /v1/ws} with a query string ({@code "?frames=binary"}, or empty). */
    static RawWs open(URI base, String query, boolean autoRequest) {
        RawWs raw = new RawWs(autoRequest);
        raw.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + base.getRawAuthority() + "/v1/ws" + query), raw).join();
        return raw;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        if (autoRequest) {
            webSocket.request(1);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            frames.add(new Received(partial.toString(), false));
            partial.setLength(0);
        }
        if (autoRequest) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        partialBinary.writeBytes(chunk);
        if (last) {
            frames.add(new Received(partialBinary.toString(StandardCharsets.UTF_8), true));
            partialBinary.reset();
        }
        if (autoRequest) {
            webSocket.request(1);
        }
        return null;
    }

    void request(long n) {
        ws.request(n);
    }

    void send(String text) {
        ws.sendText(text, true).join();
    }

    /** Sends a frame as a binary message of its UTF-8 bytes. */
    void sendBinary(String text) {
        ws.sendBinary(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), true).join();
    }

    JsonNode next(Duration within) throws Exception {
        return JSON.readTree(nextRaw(within).text());
    }

    /** The next frame as received. */
    Received nextRaw(Duration within) throws Exception {
        Received r = frames.poll(within.toNanos(), TimeUnit.NANOSECONDS);
        if (r == null) {
            throw new AssertionError("no frame within " + within);
        }
        return r;
    }

    /** Sends a frame and returns the next frame, its answer on an otherwise quiet connection. */
    JsonNode call(String text) throws Exception {
        send(text);
        return next(Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        ws.abort();
    }
}
