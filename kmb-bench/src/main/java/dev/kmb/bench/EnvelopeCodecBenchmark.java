package dev.kmb.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kmb.core.Envelope;
import dev.kmb.core.EnvelopeCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parse and serialise a 1 KiB envelope through {@link EnvelopeCodec} (streaming, validating, payload kept as raw
 * bytes), beside the baseline a quick implementation would use: Jackson's tree model, {@code readTree} plus
 * {@code writeValueAsBytes}, which validates nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class EnvelopeCodecBenchmark {

    private final EnvelopeCodec codec = new EnvelopeCodec();
    private final ObjectMapper mapper = new ObjectMapper();
    private byte[] json;
    private Envelope decoded;

    @Setup
    public void setUp() {
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            items.append(i == 0 ? "" : ",").append("{\"sku\":\"SKU-").append(1000 + i)
                    .append("\",\"qty\":").append(i + 1).append(",\"price\":").append(19.99 + i)
                    .append(",\"note\":\"caf\\u00e9 deliver before noon\"}");
        }
        String payload = "{\"order_id\":\"ord-7f3a\",\"customer\":{\"id\":\"cus-42\",\"name\":\"Ada Lovelace\","
                + "\"tier\":\"gold\"},\"items\":[" + items + "],\"total\":131.94,\"currency\":\"EUR\","
                + "\"prompt\":\"Summarise the order and propose a delivery slot\"}";
        String envelope = "{\"id\":\"0190f0a6-3c6e-7d1a-9a3b-2f4c5d6e7f80\",\"timestamp\":\"2025-06-01T12:00:00.250Z\","
                + "\"topic\":\"tenant1.agent7.intent.create\",\"type\":\"command\",\"key\":\"ord-7f3a\","
                + "\"payload\":" + payload + ",\"metadata\":{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
                + "\"correlation_id\":\"c-1\",\"reply_to\":\"tenant1.agent7.inbox\",\"conversation_id\":\"conv-9\","
                + "\"priority\":\"high\",\"ttl\":60,\"headers\":{\"x-tenant\":\"acme\",\"x-origin\":\"web\"}}}";
        json = envelope.getBytes(StandardCharsets.UTF_8);
        if (json.length < 950 || json.length > 1100) {
            throw new IllegalStateException("envelope should be about 1 KiB, is " + json.length + " bytes");
        }
        decoded = codec.decode(json);
    }

    @Benchmark
    public Envelope codecDecode() {
        return codec.decode(json);
    }

    @Benchmark
    public byte[] codecEncode() {
        return codec.encode(decoded);
    }

    @Benchmark
    public byte[] codecRoundTrip() {
        return codec.encode(codec.decode(json));
    }

    @Benchmark
    public JsonNode treeDecode() throws IOException {
        return mapper.readTree(json);
    }

    @Benchmark
    public byte[] treeRoundTrip() throws IOException {
        return mapper.writeValueAsBytes(mapper.readTree(json));
    }
}
