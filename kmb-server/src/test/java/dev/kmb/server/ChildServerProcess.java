package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kmb.client.KmbClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A KMB server in a child JVM (see {@link ChildServerMain}), for kill -9. */
final class ChildServerProcess {
    private ChildServerProcess() {
    }

    static Process start(Path dir) throws IOException {
        return start(dir, List.of());
    }

    /** A child server with extra arguments for {@link ChildServerMain} (a cluster node's). */
    static Process start(Path dir, List<String> extra) throws IOException {
        Path portFile = dir.resolve("port");
        Files.deleteIfExists(portFile);
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java,
                "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ChildServerMain.class.getName(), dir.resolve("data").toString(),
                portFile.toString()));
        command.addAll(extra);
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("child.log").toFile()))
                .start();
        TestBus.await(Duration.ofSeconds(60), "the child server to write its port (see child.log)", () -> Files.exists(portFile) || !p.isAlive());
        assertThat(p.isAlive()).as("child server is running").isTrue();
        return p;
    }

    static KmbClient client(Path dir) throws IOException {
        return KmbClient.builder(URI.create("http://127.0.0.1:" + Files.readString(dir.resolve("port")).trim()))
                .requestTimeout(Duration.ofSeconds(20)).build();
    }
}
