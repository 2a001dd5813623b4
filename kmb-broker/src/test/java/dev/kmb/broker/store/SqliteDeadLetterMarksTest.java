package dev.kmb.broker.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The dead-letter marks contract on SQLite. */
class SqliteDeadLetterMarksTest extends DeadLetterMarksContract {

    @TempDir
    Path dir;

    @Override
    StoreFixture newFixture() {
        return new StoreFixture.Sqlite(dir);
    }
}
