package dev.kmb.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kmb.broker.store.PostgresStoreConfig;
import dev.kmb.broker.store.StateLocation;
import dev.kmb.log.spi.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kmb.yaml: defaults, ${ENV} substitution, CLI overrides, and refusals that name the key and value. */
class ServerConfigLoaderTest {

    static final String FULL = """
            kmb:
              server:
                host: ${KMB_HOST:-127.0.0.1}
                port: ${KMB_PORT}
              broker:
                data_dir: ${DATA_ROOT}/bus
                max_message_bytes: 65536
                topics:
                  auto_create: true
                dedup:
                  max_ids: 5000
              durability:
                default: durable
              security:
                authentication: none
              monitoring:
                metrics:
                  enabled: false
                logging:
                  level: debug
                  format: json
            """;

    private static ServerConfigLoader loader(Map<String, String> env) {
        return new ServerConfigLoader(env::get);
    }

    @Test
    void noFileMeansTheDefaults() {
        ServerConfig c = loader(Map.of()).parse("", ServerConfigLoader.Overrides.none());
        assertThat(c).isEqualTo(ServerConfig.defaults());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.defaultDurability()).isEqualTo(Durability.PERSISTENT);
    }

    @Test
    void everyKeyIsReadAndEnvironmentVariablesAreSubstituted() {
        ServerConfig c = loader(Map.of("KMB_PORT", "9191", "DATA_ROOT", "/srv")).parse(FULL, ServerConfigLoader.Overrides.none());
        assertThat(c.host()).isEqualTo("127.0.0.1"); // ${KMB_HOST:-127.0.0.1} with KMB_HOST unset
        assertThat(c.port()).isEqualTo(9191);
        assertThat(c.dataDir()).isEqualTo(Path.of("/srv/bus"));
        assertThat(c.maxMessageBytes()).isEqualTo(65536);
        assertThat(c.autoCreateTopics()).isTrue();
        assertThat(c.defaultDurability()).isEqualTo(Durability.DURABLE);
        assertThat(c.metricsEnabled()).isFalse();
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.logFormat()).isEqualTo(ServerConfig.LogFormat.JSON);
        assertThat(c.dedupMaxIds()).isEqualTo(5000);
    }

    @Test
    void commandLineFlagsOverrideTheFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("kmb.yaml"), "kmb:\n  server:\n    port: 7000\n  broker:\n    data_dir: /from/file\n");
        ServerConfig c = new ServerConfigLoader(Map.<String, String>of()::get).loadFile(Optional.of(file),
                new ServerConfigLoader.Overrides(Optional.empty(), Optional.of(7001), Optional.of(dir.resolve("cli"))));
        assertThat(c.port()).isEqualTo(7001);
        assertThat(c.dataDir()).isEqualTo(dir.resolve("cli"));
        assertThat(new ServerConfigLoader(Map.<String, String>of()::get)
                .loadFile(Optional.of(file), ServerConfigLoader.Overrides.none()).port()).isEqualTo(7000);
    }

    @Test
    void transactionTimeoutsAreReadAndADefaultAboveTheMaximumIsRefused() {
        ServerConfig c = loader(Map.of()).parse("kmb:\n  transactions:\n    default_timeout: 10\n    max_timeout: 120\n",
                ServerConfigLoader.Overrides.none());
        assertThat(c.transactions().defaultTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(c.transactions().maxTimeout()).isEqualTo(java.time.Duration.ofSeconds(120));
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  transactions:\n    max_timeout: 30\n",
                ServerConfigLoader.Overrides.none())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("transactions.default_timeout").hasMessageContaining("max_timeout");
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  transactions:\n    max_timeout: soon\n",
                ServerConfigLoader.Overrides.none())).hasMessageContaining("kmb.transactions.max_timeout");
    }

    @Test
    void aBadValueIsNamedWithItsKey() {
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  server:\n    port: eighty\n", ServerConfigLoader.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kmb.server.port").hasMessageContaining("eighty");
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  durability:\n    default: forever\n", ServerConfigLoader.Overrides.none()))
                .hasMessageContaining("kmb.durability.default").hasMessageContaining("forever").hasMessageContaining("persistent");
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  monitoring:\n    logging:\n      format: xml\n", ServerConfigLoader.Overrides.none()))
                .hasMessageContaining("kmb.monitoring.logging.format").hasMessageContaining("xml");
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  broker:\n    max_message_bytes: 10\n", ServerConfigLoader.Overrides.none()))
                .hasMessageContaining("kmb.broker.max_message_bytes").hasMessageContaining("10");
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  broker:\n    dedup:\n      max_ids: 0\n", ServerConfigLoader.Overrides.none()))
                .hasMessageContaining("kmb.broker.dedup.max_ids").hasMessageContaining("0");
    }

    @Test
    void anUnsetVariableWithoutDefaultIsNamed() {
        assertThatThrownBy(() -> loader(Map.of("DATA_ROOT", "/x")).parse(FULL, ServerConfigLoader.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kmb.server.port").hasMessageContaining("KMB_PORT");
    }

    @Test
    void unknownKeysAreRefusedByName() {
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  server:\n    prot: 8080\n  brokr:\n    x: 1\n", ServerConfigLoader.Overrides.none()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(2))
                .hasMessageContaining("kmb.server.prot").hasMessageContaining("kmb.brokr");
    }

    @Test
    void aNonLoopbackHostWithoutAuthenticationIsRefused() {
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  server:\n    host: 0.0.0.0\n", ServerConfigLoader.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kmb.server.host").hasMessageContaining("0.0.0.0")
                .hasMessageContaining("authentication");
        assertThatThrownBy(() -> loader(Map.of()).parse("", new ServerConfigLoader.Overrides(Optional.of("192.168.1.5"),
                Optional.empty(), Optional.empty()))).hasMessageContaining("192.168.1.5");
        assertThat(loader(Map.of()).parse("kmb:\n  server:\n    host: localhost\n", ServerConfigLoader.Overrides.none()).host())
                .isEqualTo("localhost");
    }

    @Test
    void authenticationOtherThanNoneIsNotYetAvailable() {
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  security:\n    authentication: jwt\n", ServerConfigLoader.Overrides.none()))
                .hasMessageContaining("kmb.security.authentication").hasMessageContaining("jwt");
    }

    @Test
    void aMissingConfigFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> ServerConfigLoader.load(Optional.of(dir.resolve("nope.yaml")), ServerConfigLoader.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nope.yaml");
    }

    @Test
    void theStateIsSqliteByDefaultOrAPostgresUrlFromTheFileTheEnvironmentOrTheFlag() {
        assertThat(loader(Map.of()).parse("", ServerConfigLoader.Overrides.none()).state()).isEqualTo(StateLocation.SQLITE);
        ServerConfig fromFile = loader(Map.of("PG_PASSWORD", "s3cret")).parse(
                "kmb:\n  broker:\n    state: postgresql://kmb:${PG_PASSWORD}@db:5432/bus?schema=kmb\n",
                ServerConfigLoader.Overrides.none());
        assertThat(fromFile.state()).isEqualTo(new StateLocation.Postgres(new PostgresStoreConfig(
                "jdbc:postgresql://db:5432/bus", Optional.of("kmb"), Optional.of("s3cret"), Optional.of("kmb"),
                PostgresStoreConfig.DEFAULT_POOL_SIZE)));
        assertThat(fromFile.state().toString()).isEqualTo("postgresql://kmb:***@db:5432/bus?schema=kmb");
        ServerConfig flag = loader(Map.of()).parse("kmb:\n  broker:\n    state: postgresql://db/bus\n",
                new ServerConfigLoader.Overrides(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("sqlite")));
        assertThat(flag.state()).isEqualTo(StateLocation.SQLITE);
    }

    @Test
    void aBadStateIsNamedWithItsKeyOrFlagAndNeverShowsThePassword() {
        assertThatThrownBy(() -> loader(Map.of()).parse("kmb:\n  broker:\n    state: mysql://root:s3cret@db/bus\n",
                ServerConfigLoader.Overrides.none()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kmb.broker.state")
                .hasMessageContaining("must be sqlite or postgresql://").hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> loader(Map.of()).parse("", new ServerConfigLoader.Overrides(Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of("postgresql://kmb:s3cret@db/bus?pool_size=0"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--state")
                .hasMessageContaining("pool_size = 0 must be in 1..200").hasMessageNotContaining("s3cret");
    }
}
