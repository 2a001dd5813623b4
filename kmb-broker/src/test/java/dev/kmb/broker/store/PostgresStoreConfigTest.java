package dev.kmb.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing of the PostgreSQL state URL and of the {@code state} setting; no database needed. */
class PostgresStoreConfigTest {

    @Test
    void libpqFormWithEverything() {
        PostgresStoreConfig c = PostgresStoreConfig.parse(
                "postgresql://kmb:p%40ss%3Aw0rd@db.example:6543/bus?sslmode=require&schema=kmb_prod&pool_size=20");

        assertThat(c).isEqualTo(new PostgresStoreConfig("jdbc:postgresql://db.example:6543/bus?sslmode=require",
                Optional.of("kmb"), Optional.of("p@ss:w0rd"), Optional.of("kmb_prod"), 20));
        assertThat(c.toString())
                .isEqualTo("postgresql://kmb:***@db.example:6543/bus?sslmode=require&schema=kmb_prod&pool_size=20");
    }

    @Test
    void defaultsAndOtherSchemes() {
        PostgresStoreConfig plain = PostgresStoreConfig.parse("postgres://127.0.0.1/postgres");
        assertThat(plain).isEqualTo(new PostgresStoreConfig("jdbc:postgresql://127.0.0.1/postgres", Optional.empty(),
                Optional.empty(), Optional.empty(), PostgresStoreConfig.DEFAULT_POOL_SIZE));
        assertThat(plain.toString()).isEqualTo("postgresql://127.0.0.1/postgres");

        PostgresStoreConfig jdbc = PostgresStoreConfig.parse(
                "jdbc:postgresql://h1:5432,h2:5432/bus?user=kmb&password=secret&targetServerType=primary");
        assertThat(jdbc.jdbcUrl()).isEqualTo("jdbc:postgresql://h1:5432,h2:5432/bus?targetServerType=primary");
        assertThat(jdbc.user()).contains("kmb");
        assertThat(jdbc.password()).contains("secret");
        assertThat(jdbc.toString()).doesNotContain("secret");
    }

    @Test
    void badUrlsAreRefusedSayingWhyWithoutThePassword() {
        assertThatThrownBy(() -> PostgresStoreConfig.parse("mysql://u:secret@h/db"))
                .hasMessageContaining("not a PostgreSQL URL").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> PostgresStoreConfig.parse("postgresql://u:secret@/db"))
                .hasMessageContaining("names no host").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> PostgresStoreConfig.parse("postgresql://h/db?pool_size=many"))
                .hasMessageContaining("pool_size = 'many' is not a whole number");
        assertThatThrownBy(() -> PostgresStoreConfig.parse("postgresql://h/db?pool_size=0"))
                .hasMessageContaining("pool_size = 0 must be in 1..200");
        assertThatThrownBy(() -> PostgresStoreConfig.parse("postgresql://h/db?schema=Bad-Name"))
                .hasMessageContaining("schema 'Bad-Name' must be a lower-case SQL name");
    }

    @Test
    void theStateSettingIsSqliteOrAPostgresUrl() {
        assertThat(StateLocation.parse("sqlite")).isEqualTo(StateLocation.SQLITE);
        assertThat(StateLocation.parse(" SQLite ")).isEqualTo(StateLocation.SQLITE);
        assertThat(StateLocation.parse("postgresql://u@h/db"))
                .isEqualTo(new StateLocation.Postgres(PostgresStoreConfig.parse("postgresql://u@h/db")));
        assertThatThrownBy(() -> StateLocation.parse("mysql://u:secret@h/db"))
                .hasMessageContaining("must be sqlite or postgresql://").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> StateLocation.parse("")).hasMessageContaining("must be sqlite or postgresql://");
    }
}
