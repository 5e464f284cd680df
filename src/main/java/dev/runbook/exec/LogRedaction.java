package dev.runbook.exec;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The redaction the platform's own log lines go through ({@link RedactingMessageConverter},
 * {@link RedactingThrowableConverter}, which Logback builds before there is an application context): the
 * {@link Redactor}'s patterns, then the configured secrets of every running application context's redactor.
 * A redactor joins when its context has built it and leaves when the context closes; one built with {@code new}
 * (in a test) never joins, so it can neither replace nor weaken the application's log redaction.
 */
public final class LogRedaction {

    /** Identity set: the redactor beans of the running contexts (usually one; tests may run several). */
    private static final Set<Redactor> ACTIVE = new CopyOnWriteArraySet<>();

    private LogRedaction() {}

    /** The text with secrets masked; null stays null. */
    public static String apply(String text) {
        String result = Redactor.patterns(text);
        for (Redactor redactor : ACTIVE) {
            result = redactor.redact(result);
        }
        return result;
    }

    static void join(Redactor redactor) {
        ACTIVE.add(redactor);
    }

    static void leave(Redactor redactor) {
        ACTIVE.remove(redactor);
    }
}
