package dev.kmb.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The few HTTP calls the harness makes besides its load: create and delete topics and subscriptions. */
final class BusAdmin {

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    BusAdmin(URI base) {
        this.base = base;
    }

    HttpClient http() {
        return http;
    }

    /** Sends a JSON request ({@code body} may be null); anything but 2xx is an exception naming the answer. */
    void send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json");
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IOException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
    }
}
