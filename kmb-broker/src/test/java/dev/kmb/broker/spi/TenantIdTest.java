package dev.kmb.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TenantIdTest {

    @Test
    void defaultTenantIsNamedDefault() {
        assertThat(TenantId.DEFAULT.value()).isEqualTo("default");
        assertThat(TenantId.of("default")).isEqualTo(TenantId.DEFAULT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "0", "acme", "acme-corp_2", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void acceptsTheGrammar(String id) {
        assertThat(TenantId.of(id).toString()).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Acme", "-acme", "_acme", "acme corp", "acme.corp",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void rejectsEverythingElseNamingTheValue(String id) {
        assertThatThrownBy(() -> TenantId.of(id)).hasMessageContaining("tenant '" + id + "' is not valid");
    }
}
