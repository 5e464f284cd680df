package dev.runbook.pm2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EcosystemFilesTest {

    private static final String CJS = """
            // export default would be an ES module; this file is CommonJS
            /* export default { apps: [] } */
            const note = `
            export default {}`;
            module.exports = {
              apps: [{ name: 'shop', script: 'dist/*.js', env: { URL: 'http://127.0.0.1/' } }]
            };
            """;

    private static final String EXPORT_DEFAULT = """
            /** the users' own frontend ecosystem file */
            export default {
              apps: [{ name: 'web', script: 'node_modules/.bin/vite', args: 'preview' }]
            };
            """;

    @Test
    void shouldAcceptCommonJsWithExportOnlyInCommentsAndStrings() throws IOException {
        assertThat(check("backend/ecosystem.config.js", Map.of("backend/ecosystem.config.js", CJS)))
                .isEmpty();
    }

    @Test
    void shouldAcceptCjsEvenInAModulePackage() throws IOException {
        assertThat(check(
                        "web/ecosystem.config.cjs",
                        Map.of("web/ecosystem.config.cjs", CJS, "web/package.json", "{\"type\": \"module\"}")))
                .isEmpty();
    }

    @Test
    void shouldRefuseExportDefault() throws IOException {
        assertThat(check("web/ecosystem.config.js", Map.of("web/ecosystem.config.js", EXPORT_DEFAULT)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("export"));
    }

    @Test
    void shouldRefuseImportStatementsAndNamedExports() throws IOException {
        assertThat(check("e.js", Map.of("e.js", "import path from 'node:path';\nmodule.exports = {apps: []};\n")))
                .isPresent();
        assertThat(check("e.js", Map.of("e.js", "const apps = [];\nexport { apps };\n")))
                .isPresent();
        assertThat(check("e.js", Map.of("e.js", "const dir = import.meta.dirname;\n")))
                .isPresent();
        assertThat(check("e.js", Map.of("e.js", "const m = import('./x.js'); module.exports = {apps: []};\n")))
                .as("a dynamic import() is CommonJS too")
                .isEmpty();
    }

    @Test
    void shouldRefuseModuleExportsInAPackageOfTypeModule() throws IOException {
        assertThat(check(
                        "web/ecosystem.config.js",
                        Map.of(
                                "web/ecosystem.config.js",
                                CJS,
                                "package.json",
                                "{\"name\": \"mono\", \"type\": \"module\"}")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("package.json", "\"type\": \"module\""));
    }

    @Test
    void shouldReadTheNearestPackageJsonOnly() throws IOException {
        assertThat(check(
                        "web/ecosystem.config.js",
                        Map.of(
                                "web/ecosystem.config.js", CJS,
                                "web/package.json", "{\"type\": \"commonjs\"}",
                                "package.json", "{\"type\": \"module\"}")))
                .isEmpty();
    }

    @Test
    void shouldRefuseMjs() throws IOException {
        assertThat(check("ecosystem.config.mjs", Map.of("ecosystem.config.mjs", EXPORT_DEFAULT)))
                .hasValueSatisfying(reason -> assertThat(reason).contains(".mjs"));
    }

    @Test
    void shouldLeaveJsonAndMissingFilesToPm2() throws IOException {
        assertThat(check("ecosystem.json", Map.of("ecosystem.json", "{\"apps\": []}")))
                .isEmpty();
        assertThat(check("missing.config.js", Map.of())).isEmpty();
    }

    @Test
    void shouldNameTheFileAndTheCjsFixInTheRefusal() {
        assertThat(EcosystemFiles.refusal(
                        "web",
                        "./web/ecosystem.config.js",
                        "it has an export",
                        "runbook.targets.t.components.web.ecosystem"))
                .contains("web/ecosystem.config.js", "web/ecosystem.config.cjs", "components.web.ecosystem")
                .doesNotContain("./web");
    }

    private static Optional<String> check(String path, Map<String, String> files) throws IOException {
        return EcosystemFiles.esModule(path, file -> Optional.ofNullable(files.get(file)));
    }
}
