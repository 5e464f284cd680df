package dev.runbook.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation true: every link in {@code README.md}, {@code docs/*.md} and {@code bench/RESULTS.md}
 * resolves, and every class and file they cite exists (the rules are in {@link DocsChecker}); the README stays short.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("");
    private static final long README_MAX_BYTES = 12 * 1024;

    private final DocsChecker checker = new DocsChecker(ROOT);

    @Test
    void shouldResolveEveryLinkAndCitationInTheDocs() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path page : pages()) {
            problems.addAll(checker.check(page));
        }
        assertThat(problems)
                .withFailMessage("Broken links or citations in the docs:%n  %s", String.join("\n  ", problems))
                .isEmpty();
    }

    @Test
    void shouldKeepTheReadmeShort() throws IOException {
        assertThat(Files.size(ROOT.resolve("README.md")))
                .as("README.md size in bytes: the reference belongs in docs/")
                .isLessThanOrEqualTo(README_MAX_BYTES);
    }

    @Test
    void shouldReportBrokenLinksUnknownClassesAndMissingFiles() {
        String markdown = """
                # A page

                ## Where: things, to_find

                Good: [runbooks](docs/runbooks.md), [heading](#where-things-to_find), [web](https://example.org/x),
                `config/RunbookProperties`, `config/RunbookProperties.ComponentSpec`, `api/*Controller`,
                `dev.runbook.testsupport.Pm2Session`, `bpmn/deploy.bpmn`, `db/migration/V3__audit.sql`, `bench/RESULTS.md`.
                Not citations: `application/json`, `runs/<runId>`, `RunbookDelegate`, `src/main/java/dev/runbook/…`.

                Broken: [gone](docs/nope.md), [bad anchor](docs/runbooks.md#no-such-heading), [here](#nowhere),
                `config/NoSuchClass`, `config/RunbookProperties#noSuchMember`, `api/*Nothing`,
                `dev.runbook.NoSuchThing`, `bpmn/nope.bpmn`.

                [ref]: docs/missing.md

                ```bash
                curl [not a link](nope.md) `config/NotChecked`
                ```
                """;

        List<String> problems = checker.check(Path.of("README.md"), markdown);

        assertThat(problems).hasSize(9);
        assertThat(String.join("\n", problems))
                .contains("README.md:10: link (docs/nope.md): no file docs/nope.md")
                .contains("no heading #no-such-heading in docs/runbooks.md")
                .contains("no heading #nowhere in README.md")
                .contains("class `config/NoSuchClass`")
                .contains("RunbookProperties has no member noSuchMember")
                .contains("class `api/*Nothing`")
                .contains("class `dev.runbook.NoSuchThing`")
                .contains("file `bpmn/nope.bpmn`: not found")
                .contains("README.md:14: link (docs/missing.md): no file docs/missing.md")
                .doesNotContain("NotChecked");
    }

    @Test
    void shouldSlugHeadingsAsGitHubDoes() {
        assertThat(DocsChecker.slug("1. Overhead (`overhead.py`, 5 runs, alternating, medians)"))
                .isEqualTo("1-overhead-overheadpy-5-runs-alternating-medians");
        assertThat(DocsChecker.slug("Reliability: crashes, one run per target, PostgreSQL, several nodes"))
                .isEqualTo("reliability-crashes-one-run-per-target-postgresql-several-nodes");
        assertThat(DocsChecker.headingSlugs("# Notes\n\n## Notes\n")).containsExactlyInAnyOrder("notes", "notes-1");
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md"), Path.of("bench/RESULTS.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }
}
