package dev.runbook.process;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The {@link BpmnErrors} codes a {@link RunbookDelegate} may end its step with, its characteristic failure first
 * (through {@link StepFailedException} or, for {@code COMMAND_FAILED}, a failed command). {@link RunbookDelegate}
 * refuses any other code at run time (an incident naming the step and code), and {@code BpmnModelTest} checks that
 * every model that runs the delegate catches each declared code in the task's scope. No annotation: the step ends
 * with no BPMN error.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StepErrors {

    /** Codes from {@link BpmnErrors}. */
    String[] value();
}
