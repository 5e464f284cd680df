package dev.runbook.exec;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** Logback {@code %m}/{@code %msg}: the log message with secrets masked by {@link LogRedaction}. */
public class RedactingMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return LogRedaction.apply(super.convert(event));
    }
}
