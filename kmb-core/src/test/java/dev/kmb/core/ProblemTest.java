package dev.kmb.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ProblemTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void writesRfc9457ShapeWithCodeAndErrors() throws Exception {
        Problem problem = Problem.of(ProblemCode.VALIDATION_FAILED, "envelope has 1 invalid field",
                List.of(new FieldError("/metadata/ttl", "must be >= 0, was -1"))).withInstance("/v1/publish");

        JsonNode json = mapper.readTree(mapper.writeValueAsBytes(problem));

        assertThat(json.get("type").asText()).isEqualTo("https://kmb.dev/problems/validation_failed");
        assertThat(json.get("title").asText()).isEqualTo("Validation failed");
        assertThat(json.get("status").asInt()).isEqualTo(422);
        assertThat(json.get("detail").asText()).isEqualTo("envelope has 1 invalid field");
        assertThat(json.get("instance").asText()).isEqualTo("/v1/publish");
        assertThat(json.get("code").asText()).isEqualTo("validation_failed");
        assertThat(json.get("errors").get(0).get("pointer").asText()).isEqualTo("/metadata/ttl");
        assertThat(json.get("errors").get(0).get("message").asText()).isEqualTo("must be >= 0, was -1");
    }

    @Test
    void omitsInstanceAndEmptyErrors() throws Exception {
        JsonNode json = mapper.readTree(mapper.writeValueAsBytes(Problem.of(ProblemCode.TOPIC_NOT_FOUND, "no a.b")));
        assertThat(json.has("instance")).isFalse();
        assertThat(json.has("errors")).isFalse();
        assertThat(json.get("status").asInt()).isEqualTo(404);
    }

    @Test
    void readsBackWhatItWrites() throws Exception {
        Problem problem = Problem.of(ProblemCode.MESSAGE_TOO_LARGE, "2000000 bytes",
                List.of(new FieldError("", "too big"))).withInstance("/v1/publish");
        assertThat(mapper.readValue(mapper.writeValueAsBytes(problem), Problem.class)).isEqualTo(problem);
    }

    @Test
    void unknownCodeFromANewerServerKeepsItsStatus() throws Exception {
        Problem read = mapper.readValue(
                "{\"type\":\"https://kmb.dev/problems/quota_exceeded\",\"title\":\"Quota\",\"status\":402,"
                        + "\"detail\":\"pay up\",\"extra\":[1]}", Problem.class);
        assertThat(read.code()).isEqualTo(ProblemCode.INTERNAL);
        assertThat(read.status()).isEqualTo(402);
        assertThat(read.detail()).isEqualTo("pay up");
    }

    @Test
    void codesAreSnakeCaseAndUniqueWithTheirHttpStatus() {
        Set<String> codes = Stream.of(ProblemCode.values()).map(ProblemCode::code).collect(Collectors.toSet());
        assertThat(codes).hasSize(ProblemCode.values().length).allMatch(c -> c.matches("[a-z]+(_[a-z]+)*"));
        assertThat(ProblemCode.fromCode("back_pressured")).contains(ProblemCode.BACK_PRESSURED);
        assertThat(ProblemCode.BACK_PRESSURED.status()).isEqualTo(429);
        assertThat(ProblemCode.TIMEOUT.status()).isEqualTo(504);
        assertThat(ProblemCode.MESSAGE_TOO_LARGE.status()).isEqualTo(413);
        assertThat(ProblemCode.fromCode("nope")).isEmpty();
    }

    @Test
    void exceptionMessageListsEveryFieldError() {
        ProblemException e = new ProblemException(Problem.of(ProblemCode.VALIDATION_FAILED, "2 invalid fields",
                List.of(new FieldError("/topic", "bad"), new FieldError("/metadata/ttl", "negative"))));
        assertThat(e).hasMessage("validation_failed: 2 invalid fields; /topic: bad; /metadata/ttl: negative");
    }

    @Test
    void pointerTokensAreEscaped() {
        assertThat(FieldError.escapePointerToken("a/b~c")).isEqualTo("a~1b~0c");
    }
}
