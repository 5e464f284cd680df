package dev.runbook.exec;

import java.util.Collection;

/**
 * A part of the configuration that holds secrets besides the targets' database URIs (e.g. webhook URLs): the
 * {@link Redactor} masks every value it returns wherever it appears.
 */
public interface SecretSource {

    /** The secret strings, each at least three characters long to be masked. */
    Collection<String> secrets();
}
