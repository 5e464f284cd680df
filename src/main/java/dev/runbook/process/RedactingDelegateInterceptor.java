package dev.runbook.process;

import dev.runbook.exec.Redactor;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.delegate.DelegateInvocation;
import org.camunda.bpm.engine.impl.interceptor.DelegateInterceptor;

/**
 * Wraps the engine's delegate interceptor: when a delegate, listener or expression throws an exception whose
 * message (or a cause's) holds a secret, the engine gets a {@link RedactedException} instead, with the same stack
 * traces and redacted messages. So the job's exception message and stack trace, the incident message in Cockpit,
 * the historic job log and the platform log never show it. BPMN errors and optimistic-locking conflicts pass
 * unchanged (the engine acts on their type).
 */
class RedactingDelegateInterceptor implements DelegateInterceptor {

    private final DelegateInterceptor delegate;
    private final Redactor redactor;

    RedactingDelegateInterceptor(DelegateInterceptor delegate, Redactor redactor) {
        this.delegate = delegate;
        this.redactor = redactor;
    }

    @Override
    public void handleInvocation(DelegateInvocation invocation) throws Exception {
        try {
            delegate.handleInvocation(invocation);
        } catch (BpmnError | OptimisticLockingException e) {
            throw e;
        } catch (Exception e) {
            throw holdsSecret(e) ? redacted(e, true) : e;
        }
    }

    private boolean holdsSecret(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.equals(redactor.redact(message))) {
                return true;
            }
        }
        return false;
    }

    /** A copy of {@code e} and its causes with redacted messages; causes keep their class name in the message. */
    private RedactedException redacted(Throwable e, boolean top) {
        Throwable cause = e.getCause() == null || e.getCause() == e ? null : e.getCause();
        String message = redactor.redact(e.getMessage());
        RedactedException copy = new RedactedException(
                top ? message : e.getClass().getName() + ": " + message, cause == null ? null : redacted(cause, false));
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    /** An exception whose message had a secret, re-thrown with the secret masked. */
    public static class RedactedException extends RuntimeException {
        public RedactedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
