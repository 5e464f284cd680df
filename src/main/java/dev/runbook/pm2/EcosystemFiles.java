package dev.runbook.pm2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.RunbookProperties.ComponentSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether PM2 can load an ecosystem file. PM2 7 reads a JavaScript ecosystem file with {@code require()}: an ES module
 * gives it no apps, so {@code pm2 startOrReload <file> --only <app>} exits 0 and starts or reloads nothing (the old
 * process keeps serving, a new app is never started), and {@code module.exports} in a {@code .js} file of a package
 * whose nearest package.json says {@code "type": "module"} fails with "File ... malformated" (tried with the PM2 in
 * tools/, Node.js 20). The deploy checks each selected component's file in the new release before it installs
 * anything (release/PrepareReleaseDelegate; the plan reads it from the mirror), the rollback in the release it
 * switches to (release/ValidateReleaseDelegate).
 *
 * <p>Nothing here runs the file: the check is syntactic, and so has limits. ES module means: a {@code .mjs} file; a
 * {@code .js} file whose nearest package.json inside the repository has {@code "type": "module"}; or a {@code .js}
 * file with an {@code export}/{@code import} statement or {@code import.meta} outside comments, strings and template
 * literals. A regular expression literal holding a quote, or a template literal nesting another one in
 * {@code ${...}}, can hide the rest of the file from the scan (an ES module then passes here and still fails after the
 * switch, as before this check); a package.json above the repository (in the target's root or higher), which Node.js
 * would also read, is not looked at. {@code .cjs}, JSON and YAML files are always fine.
 */
public final class EcosystemFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code export ...} or {@code import x from}/{@code import {..}}/{@code import '..'} at a statement's start. */
    private static final Pattern MODULE_STATEMENT = Pattern.compile(
            "(?m)(?:^|[;}])[ \\t]*(?:export[ \\t]*(?:default\\b|[{*]|(?:const|let|var|function|class|async)\\b)"
                    + "|import[ \\t]*(?:[{*\"']|[A-Za-z_$][\\w$]*[ \\t]*(?:,|\\bfrom\\b)))");

    private static final Pattern IMPORT_META = Pattern.compile("\\bimport\\s*\\.\\s*meta\\b");

    private EcosystemFiles() {}

    /** Reads a file of a release by its path relative to the release's root ('/'-separated); empty when missing. */
    @FunctionalInterface
    public interface Reader {
        Optional<String> read(String path) throws IOException;
    }

    /**
     * Why PM2 cannot load the ecosystem file {@code path} (relative to the repository's root) as CommonJS, or empty
     * when it can (or the file is not JavaScript, or missing: PM2's own error says so then).
     *
     * @param reader reads the release's files: the ecosystem file and the package.json files above it
     */
    public static Optional<String> esModule(String path, Reader reader) throws IOException {
        String file = normalize(path);
        if (file.endsWith(".mjs")) {
            return Optional.of("a .mjs file is an ES module");
        }
        if (!file.endsWith(".js")) {
            return Optional.empty();
        }
        Optional<String> packageJson = nearestPackageJson(file, reader);
        if (packageJson.isPresent()
                && "module".equals(type(reader.read(packageJson.get()).orElse("")))) {
            return Optional.of(packageJson.get() + " says \"type\": \"module\", so Node.js loads every .js file "
                    + "under it as an ES module");
        }
        Optional<String> content = reader.read(file);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        String code = code(content.get());
        if (MODULE_STATEMENT.matcher(code).find() || IMPORT_META.matcher(code).find()) {
            return Optional.of("it has an export or import statement (ES module syntax)");
        }
        return Optional.empty();
    }

    /**
     * For each of {@code components} whose ecosystem file is an ES module: the refusal ({@link #refusal}). Empty when
     * PM2 can load them all.
     */
    public static List<String> refusals(String targetName, Map<String, ComponentSpec> components, Reader reader) {
        List<String> refusals = new ArrayList<>();
        components.forEach((name, component) -> {
            try {
                esModule(component.ecosystem(), reader)
                        .ifPresent(reason -> refusals.add(refusal(
                                name,
                                component.ecosystem(),
                                reason,
                                "runbook.targets." + targetName + ".components." + name + ".ecosystem")));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the ecosystem file of component " + name, e);
            }
        });
        return refusals;
    }

    /** A reader of the files of the release checked out in {@code release}; nothing outside it is read. */
    public static Reader directory(Path release) {
        return path -> {
            Path file = release.resolve(path).normalize();
            if (!file.startsWith(release) || !Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return Optional.of(Files.readString(file));
        };
    }

    /** The message of a refused deploy: the file, why, and the fix. */
    public static String refusal(String component, String path, String reason, String configKey) {
        String file = normalize(path);
        String cjs = file.replaceAll("\\.(m?js)$", ".cjs");
        return "component " + component + ": PM2 cannot load its ecosystem file " + file + " (" + reason
                + "): pm2 reads ecosystem files with require(), and would start nothing (or fail with 'malformated') "
                + "after the switch. Rename it to " + cjs + " with module.exports = { apps: [...] } and set "
                + configKey
                + " to " + cjs + "; nothing was changed";
    }

    private static Optional<String> nearestPackageJson(String file, Reader reader) throws IOException {
        Path dir = Path.of(file).getParent();
        while (true) {
            String candidate =
                    dir == null ? "package.json" : dir.resolve("package.json").toString();
            if (reader.read(candidate).isPresent()) {
                return Optional.of(candidate);
            }
            if (dir == null) {
                return Optional.empty();
            }
            dir = dir.getParent();
        }
    }

    private static String type(String packageJson) {
        try {
            JsonNode tree = JSON.readTree(packageJson);
            return tree == null ? null : tree.path("type").asText(null);
        } catch (IOException e) {
            return null; // not JSON: Node.js fails on it anyway, which PM2's error then shows
        }
    }

    private static String normalize(String path) {
        return Path.of(path).normalize().toString().replace('\\', '/');
    }

    /**
     * The source with comments, strings and template literals blanked out (newlines kept), so that only code is
     * scanned.
     */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            char next = i + 1 < n ? source.charAt(i + 1) : '\0';
            int end;
            if (c == '/' && next == '/') {
                end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (c == '/' && next == '*') {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (c == '\'' || c == '"' || c == '`') {
                end = i + 1;
                while (end < n && source.charAt(end) != c && (c == '`' || source.charAt(end) != '\n')) {
                    end += source.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
            } else {
                out.append(c);
                i++;
                continue;
            }
            for (int k = i; k < end; k++) {
                out.append(source.charAt(k) == '\n' ? '\n' : ' ');
            }
            if (c != '/') { // a string keeps its quotes: `import 'x'` stays an import
                out.setCharAt(i, c);
                out.setCharAt(end - 1, source.charAt(end - 1) == c ? c : out.charAt(end - 1));
            }
            i = end;
        }
        return out.toString();
    }
}
