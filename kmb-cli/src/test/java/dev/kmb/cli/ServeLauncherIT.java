package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./kmb serve} as a child process: it answers, stops cleanly on SIGTERM, and a restart after kill -9
 * still has what was published.
 */
class ServeLauncherIT {

    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();

    record Serving(Process process, int port, StringBuilder log, Thread reader) {
        /** Everything the process printed, once it has ended. */
        String output() throws InterruptedException {
            reader.join(10_000);
            synchronized (log) {
                return log.toString();
            }
        }
    }

    private Serving serve() throws Exception {
        Process p = new ProcessBuilder(List.of(KmbLauncherIT.ROOT.resolve("kmb").toString(), "serve", "--port", "0",
                "--data-dir", data.toString())).directory(KmbLauncherIT.ROOT.toFile()).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException("serve ended before it listened:\n" + log));
        });
        return new Serving(p, port.get(120, TimeUnit.SECONDS), log, reader);
    }

    private HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        HttpRequest.BodyPublisher b = body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body);
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).method(method, b)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesStopsOnSigtermAndRecoversAfterKill9() throws Exception {
        Serving first = serve();
        assertThat(send(first.port(), "GET", "/v1/health", null).statusCode()).isEqualTo(200);
        assertThat(send(first.port(), "POST", "/v1/topics", "{\"name\":\"serve.t\"}").statusCode()).isEqualTo(201);
        assertThat(send(first.port(), "POST", "/v1/publish", "{\"topic\":\"serve.t\",\"type\":\"event\",\"payload\":1}").statusCode())
                .isEqualTo(200);
        first.process().toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
        assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.output()).as("exit %d", first.process().exitValue()).contains("KMB stopped").contains("loopback");
        try (var cached = java.nio.file.Files.find(data.resolve(".cache"), 3, (f, a) -> a.isRegularFile()
                && f.getFileName().toString().startsWith("libsqlitejdbc"))) {
            assertThat(cached.count()).as("SQLite's native library kept in the data directory for the next start").isEqualTo(1);
        }

        Serving second = serve();
        assertThat(send(second.port(), "POST", "/v1/publish", "{\"topic\":\"serve.t\",\"type\":\"event\",\"payload\":2}").body())
                .contains("\"offset\":1");
        second.process().destroyForcibly(); // kill -9: no shutdown hook
        assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

        Serving third = serve();
        try {
            String replay = send(third.port(), "GET", "/v1/topics/serve.t/messages", null).body();
            assertThat(replay).contains("\"payload\":1").contains("\"payload\":2");
        } finally {
            third.process().toHandle().destroy();
            third.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
