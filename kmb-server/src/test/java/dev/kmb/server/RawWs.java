package dev.kmb.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The JDK WebSocket client driven by hand: raw frames out, parsed frames in, and reading only on request. */
final class RawWs implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final boolean autoRequest;
    private WebSocket ws;

    private RawWs(boolean autoRequest) {
        this.autoRequest = autoRequest;
    }

    /** Opens {@code /v1/ws}; with {@code autoRequest} false nothing is read until {@link #request}. */
    static RawWs open(URI base, boolean autoRequest) {
        RawWs raw = new RawWs(autoRequest);
        raw.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + base.getRawAuthority() + "/v1/ws"), raw).join();
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
            frames.add(partial.toString());
            partial.setLength(0);
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

    JsonNode next(Duration within) throws Exception {
        String text = frames.poll(within.toNanos(), TimeUnit.NANOSECONDS);
        if (text == null) {
            throw new AssertionError("no frame within " + within);
        }
        return JSON.readTree(text);
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
