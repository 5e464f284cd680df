package dev.runbook.exec;

import ch.qos.logback.classic.spi.IThrowableProxy;
import org.springframework.boot.logging.logback.ExtendedWhitespaceThrowableProxyConverter;

/**
 * Logback {@code %wEx}/{@code %ex}: the stack trace of a logged exception, exception messages included, with
 * secrets masked by {@link LogRedaction}.
 */
public class RedactingThrowableConverter extends ExtendedWhitespaceThrowableProxyConverter {

    @Override
    protected String throwableProxyToString(IThrowableProxy proxy) {
        return LogRedaction.apply(super.throwableProxyToString(proxy));
    }
}
