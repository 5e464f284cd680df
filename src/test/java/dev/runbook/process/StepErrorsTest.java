package dev.runbook.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each delegate's {@link StepErrors} declaration against its source: it names only {@link BpmnErrors} codes, and
 * every code the delegate raises itself ({@code new StepFailedException(BpmnErrors.X ...)}) is declared. Codes that
 * come from a client (a failed command, a health check) are checked where a step fails with them: an undeclared code
 * is an incident ({@link RunbookDelegateTest}) and the end-to-end tests run the real steps.
 */
class StepErrorsTest {

    private static final Pattern RAISED = Pattern.compile("new StepFailedException\\(\\s*BpmnErrors\\.([A-Z_]+)");

    @Test
    void shouldDeclareEveryCodeADelegateRaisesItselfAndOnlyBpmnErrorsCodes() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/runbook"))) {
            sources = files.filter(p -> p.toString().endsWith("Delegate.java")).toList();
        }
        int delegates = 0;
        for (Path source : sources) {
            String text = Files.readString(source);
            if (!text.contains("extends RunbookDelegate")) {
                continue;
            }
            delegates++;
            Set<String> declared = RunbookDelegate.declaredErrorCodes(classOf(source));
            assertThat(BpmnErrors.ALL)
                    .as("%s declares only BpmnErrors codes", source)
                    .containsAll(declared);
            Set<String> raised = new TreeSet<>();
            for (Matcher m = RAISED.matcher(text); m.find(); ) {
                raised.add(m.group(1));
            }
            assertThat(declared).as("%s declares the codes it raises", source).containsAll(raised);
        }
        assertThat(delegates).isGreaterThan(20);
    }

    private static Class<?> classOf(Path source) {
        String name = Path.of("src/main/java")
                .relativize(source)
                .toString()
                .replace('/', '.')
                .replace(".java", "");
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
