package dev.kmb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kmb serve} refuses bad settings before it opens anything, naming the key and the value. */
class ServeCommandTest {

    record Run(int exit, String err) {
    }

    static Run kmb(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = KmbCommand.commandLine();
        cmd.setErr(new PrintWriter(err));
        cmd.setOut(new PrintWriter(new StringWriter()));
        return new Run(cmd.execute(args), err.toString());
    }

    @Test
    void aNonLoopbackHostWithoutAuthenticationIsRefused(@TempDir Path dir) {
        Run run = kmb("serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", dir.toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(run.err()).contains("kmb.server.host").contains("0.0.0.0").contains("authentication");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aBadConfigFileIsRefusedNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("kmb.yaml"), "kmb:\n  broker:\n    topics:\n      auto_create: maybe\n");
        Run run = kmb("serve", "--config", config.toString(), "--data-dir", dir.resolve("data").toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(run.err()).contains("kmb.broker.topics.auto_create").contains("maybe");
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void aMissingConfigFileIsNamed(@TempDir Path dir) {
        Run run = kmb("serve", "--config", dir.resolve("absent.yaml").toString());
        assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(run.err()).contains("absent.yaml");
    }

    @Test
    void aBadStateIsRefusedNamingTheFlagButNotThePassword(@TempDir Path dir) {
        Run run = kmb("serve", "--port", "0", "--data-dir", dir.resolve("data").toString(),
                "--state", "mysql://root:s3cret@db/bus");
        assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(run.err()).contains("--state").contains("must be sqlite or postgresql://").doesNotContain("s3cret");
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void anUnreachablePostgresIsReportedWithoutThePassword(@TempDir Path dir) {
        Run run = kmb("serve", "--port", "0", "--data-dir", dir.resolve("data").toString(),
                "--state", "postgresql://kmb:s3cret@127.0.0.1:1/bus?connectTimeout=2");
        assertThat(run.exit()).isEqualTo(ExitCodes.ERROR);
        assertThat(run.err()).contains("kmb serve: cannot connect to the state store postgresql://kmb:***@127.0.0.1:1/bus")
                .doesNotContain("s3cret");
    }
}
