package dev.herald.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log line written while open, at every level of Herald's loggers (TRACE), with stack traces:
 * for tests that check what never reaches a log. Closing detaches it and restores the level.
 */
public final class CapturedLogs implements AutoCloseable {
    /** One captured line: the logger and the text (message, then any stack trace). */
    public record Line(String logger, String text) {}

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger herald = (Logger) LoggerFactory.getLogger("dev.herald");
    private final Level before = herald.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLogs() {
        appender.start();
        root.addAppender(appender);
        herald.setLevel(Level.TRACE);
    }

    public static CapturedLogs start() {
        return new CapturedLogs();
    }

    public List<Line> lines() {
        return appender.list.stream().map(e -> new Line(e.getLoggerName(),
                e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())))).toList();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        herald.setLevel(before);
    }
}
