package dev.runbook.e2e;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;

/** A step that fails with a message holding the target's database password and a token, as a careless tool would. */
public class LeakyDelegate implements JavaDelegate {

    @Override
    public void execute(DelegateExecution execution) {
        throw new IllegalStateException(
                "cannot reach " + SecuredPlatform.DB_URI + " (token=tok-7f3a9c1e55)",
                new java.io.IOException(
                        "connection refused by 127.0.0.1:27017 for password " + SecuredPlatform.DB_PASSWORD));
    }
}
