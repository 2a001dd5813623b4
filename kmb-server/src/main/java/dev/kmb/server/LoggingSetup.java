package dev.kmb.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code kmb.monitoring.logging} to Logback at start-up, whatever {@code logback.xml} the process
 * loaded (the CLI's is quiet for offline tools): sets the root level and, for {@code format: json}, replaces
 * the console output with one JSON object per line (logstash-logback-encoder) on stdout. Noisy libraries
 * (Jetty, Javalin, Flyway) stay at WARN unless the level is debug or trace. Call once, before the server starts.
 */
public final class LoggingSetup {

    private static final String[] NOISY = {"org.eclipse.jetty", "io.javalin", "org.flywaydb"};

    private LoggingSetup() {
    }

    public static void apply(ServerConfig config) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return; // another SLF4J backend: its own configuration rules
        }
        Level level = Level.toLevel(config.logLevel(), Level.INFO);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        Level quiet = level.isGreaterOrEqual(Level.INFO) ? Level.WARN : level;
        for (String name : NOISY) {
            context.getLogger(name).setLevel(quiet);
        }
        if (config.logFormat() == ServerConfig.LogFormat.JSON) {
            root.detachAndStopAllAppenders();
            LogstashEncoder encoder = new LogstashEncoder();
            encoder.setContext(context);
            encoder.start();
            ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
            appender.setContext(context);
            appender.setName("json");
            appender.setEncoder(encoder);
            appender.start();
            root.addAppender(appender);
        }
    }
}
