package dev.runbook.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.springframework.stereotype.Component;

/**
 * Drops the engine's ERROR and WARN logs (with their stack traces) of a {@link Refusal}: the engine wraps an exception
 * thrown by a task listener and logs it at ERROR whatever it is, but a refused request is not a fault, and
 * {@link Refusals} has logged it in one line.
 */
@Component
class RefusalLogFilter extends TurboFilter {

    RefusalLogFilter() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getTurboFilterList().stream().noneMatch(RefusalLogFilter.class::isInstance)) {
            start();
            context.addTurboFilter(this);
        }
    }

    @Override
    public FilterReply decide(
            Marker marker, Logger logger, Level level, String format, Object[] params, Throwable thrown) {
        if (level == null
                || !level.isGreaterOrEqual(Level.WARN)
                || !logger.getName().startsWith("org.camunda")) {
            return FilterReply.NEUTRAL;
        }
        Throwable exception = thrown;
        if (exception == null
                && params != null
                && params.length > 0
                && params[params.length - 1] instanceof Throwable t) {
            exception = t;
        }
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (cause instanceof Refusal) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
