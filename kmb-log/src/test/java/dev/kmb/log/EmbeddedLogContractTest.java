package dev.kmb.log;

import dev.kmb.log.spi.MessageLog;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The backend-independent contract on the embedded log. */
class EmbeddedLogContractTest extends MessageLogContract {

    @TempDir
    Path dir;

    private EmbeddedLog log;

    @BeforeEach
    void open() {
        log = EmbeddedLog.open(EmbeddedLogConfig.builder(dir).build());
    }

    @AfterEach
    void close() {
        log.close();
    }

    @Override
    protected MessageLog log() {
        return log;
    }
}
