package dev.kmb.broker.store;

import dev.kmb.testing.PostgresExtension;
import dev.kmb.testing.TestPostgres;
import org.junit.jupiter.api.extension.ExtendWith;

/** The dead-letter marks contract on PostgreSQL; skipped without a reachable server unless KMB_REQUIRE_SERVICES=1. */
@ExtendWith(PostgresExtension.class)
class PostgresDeadLetterMarksTest extends DeadLetterMarksContract {

    TestPostgres pg; // set by PostgresExtension

    @Override
    StoreFixture newFixture() {
        return new StoreFixture.Postgres(pg);
    }
}
