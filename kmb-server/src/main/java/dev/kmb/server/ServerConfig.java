package dev.kmb.server;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The server's settings after the config file, environment and CLI flags are merged and validated.
 * Immutable. (Loading {@code kmb.yaml} and the flags that override it live in {@code ServerConfigLoader}.)
 *
 * @param host             address to bind; loopback unless authentication is configured
 * @param port             HTTP port (0 picks a free one)
 * @param dataDir          where the log ({@code log/}) and the state ({@code state.db}) live
 * @param autoCreateTopics publishing to an unknown topic creates it
 * @param maxMessageBytes  largest accepted envelope
 */
public record ServerConfig(String host, int port, Path dataDir, boolean autoCreateTopics, int maxMessageBytes) {

    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final Path DEFAULT_DATA_DIR = Path.of("data");
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("server.port = " + port + " must be in 0..65535");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("broker.max_message_bytes = " + maxMessageBytes + " must be at least 1024");
        }
    }

    /** Loopback, port 8080, ./data: what {@code ./kmb serve} runs with. */
    public static ServerConfig defaults() {
        return new ServerConfig(LOOPBACK, DEFAULT_PORT, DEFAULT_DATA_DIR, false, DEFAULT_MAX_MESSAGE_BYTES);
    }
}
