package dev.kmb.kafka;

import dev.kmb.log.MessageLogContract;
import dev.kmb.log.spi.MessageLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/** The backend-independent contract on Kafka: one in-process cluster and one log for the class. */
@Timeout(120)
class KafkaLogContractTest extends MessageLogContract {

    private static InProcessKafka kafka;
    private static KafkaMessageLog log;

    @BeforeAll
    static void start() throws Exception {
        kafka = InProcessKafka.start(1);
        log = KafkaMessageLog.open(kafka.config().build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (log != null) {
            log.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    protected MessageLog log() {
        return log;
    }
}
