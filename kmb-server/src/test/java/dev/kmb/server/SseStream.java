package dev.kmb.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test's SSE client: the JDK HttpClient with a streamed body, parsed into events by a virtual thread. */
final class SseStream implements AutoCloseable {

    record Event(String event, String id, String data) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final int status;
    final String contentType;
    private final InputStream body;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> comments = new LinkedBlockingQueue<>();
    private String errorBody = "";

    private SseStream(HttpResponse<InputStream> response) throws IOException {
        this.status = response.statusCode();
        this.contentType = response.headers().firstValue("Content-Type").orElse("");
        this.body = response.body();
        if (status != 200) {
            errorBody = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            body.close();
            return;
        }
        Thread.ofVirtual().name("sse-test-reader").start(this::read);
    }

    static SseStream open(URI uri, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        headers.forEach(b::header);
        return new SseStream(HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    String errorBody() {
        return errorBody;
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String event = "message";
            String id = null;
            StringBuilder data = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(event, id, data.toString()));
                    }
                    event = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).trim());
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
    }

    Event next(Duration within) throws InterruptedException {
        Event e = events.poll(within.toNanos(), TimeUnit.NANOSECONDS);
        if (e == null) {
            throw new AssertionError("no SSE event within " + within);
        }
        return e;
    }

    Event poll(Duration within) throws InterruptedException {
        return events.poll(within.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
