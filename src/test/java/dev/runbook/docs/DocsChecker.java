package dev.runbook.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that what a markdown page points at exists, so the docs cannot silently rot when code moves.
 *
 * <p>What is checked (outside fenced code blocks):
 * <ul>
 *   <li><b>Links</b> {@code [text](path)}, {@code [text](path#anchor)}, {@code [text](#anchor)} and reference
 *       definitions {@code [ref]: path}: the path,
 *       relative to the page, must exist; an anchor into a markdown page must be one of its headings, slugged as
 *       GitHub does (lower case, everything but letters, digits, spaces, {@code -} and {@code _} dropped, spaces to
 *       {@code -}, {@code -1}, {@code -2} … for repeats). Links with a scheme ({@code https:}, {@code mailto:}) are
 *       not followed.</li>
 *   <li><b>Class citations</b>: an inline code span that is exactly {@code pkg/ClassName},
 *       {@code pkg/sub/ClassName}, {@code pkg/ClassName.member} or {@code pkg/ClassName#member} (lower-case
 *       packages, a class part with a capital letter; {@code *} allowed as a wildcard in the class part, e.g.
 *       {@code api/*Controller}), or a fully qualified {@code dev.runbook.pkg.ClassName}. The class must be
 *       {@code src/main/java/dev/runbook/pkg/ClassName.java} or the same under {@code src/test/java}; a member
 *       must occur as a word in that file. So {@code application/json}, {@code runs/<runId>} or a bare
 *       {@code RunbookDelegate} are not citations: cite our classes as {@code pkg/ClassName} to have them
 *       checked.</li>
 *   <li><b>File citations</b>: an inline code span that starts with one of {@link #FILE_ROOTS} and holds only
 *       path characters ({@code bpmn/deploy.bpmn}, {@code db/migration/V3__audit.sql}, {@code src/…/}): it must
 *       exist under the repository root ({@code *} as a wildcard in the last part). Spans with {@code <}, spaces
 *       or {@code …} are patterns, not paths, and are skipped. An existing file wins over the class reading
 *       ({@code bench/RESULTS.md} is a file, not class {@code RESULTS} with member {@code md}).</li>
 * </ul>
 */
final class DocsChecker {

    /** Top-level folders of the repository whose paths, cited in backticks, must exist. */
    static final List<String> FILE_ROOTS = List.of("bpmn/", "db/", "src/", "docs/", "bench/", "web/", ".ci/");

    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern LINK_DEFINITION = Pattern.compile("^\\s{0,3}\\[[^\\]]+]:\\s*(\\S+)");
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");
    private static final Pattern CLASS =
            Pattern.compile("^((?:[a-z0-9]+/)+)([A-Z*][A-Za-z0-9*]*)(?:[.#]([A-Za-z0-9_]+))?$");
    private static final Pattern QUALIFIED_CLASS = Pattern.compile("^dev\\.runbook\\.((?:[a-z0-9]+\\.)*)([A-Z]\\w*)$");
    private static final Pattern FILE = Pattern.compile("^[A-Za-z0-9_.*/-]+$");
    private static final List<String> SOURCE_ROOTS =
            List.of("src/main/java/dev/runbook/", "src/test/java/dev/runbook/");

    private final Path root;

    /** @param root the repository root, against which cited classes and files are resolved */
    DocsChecker(Path root) {
        this.root = root;
    }

    /** Problems of the page at {@code page} (relative to the root), each as {@code page:line: what}. */
    List<String> check(Path page) {
        try {
            return check(page, Files.readString(root.resolve(page)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Problems of {@code markdown}, read as if it were the page at {@code page} (relative to the root). */
    List<String> check(Path page, String markdown) {
        List<String> problems = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        boolean inFence = false;
        for (int i = 0; i < lines.length; i++) {
            if (FENCE.matcher(lines[i]).find()) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            String where = page + ":" + (i + 1) + ": ";
            Matcher span = CODE_SPAN.matcher(lines[i]);
            while (span.find()) {
                String problem = checkCitation(span.group(1));
                if (problem != null) {
                    problems.add(where + problem);
                }
            }
            String prose = CODE_SPAN.matcher(lines[i]).replaceAll("");
            Matcher link = (LINK_DEFINITION.matcher(prose).find() ? LINK_DEFINITION : LINK).matcher(prose);
            while (link.find()) {
                String problem = checkLink(page, markdown, link.group(1));
                if (problem != null) {
                    problems.add(where + problem);
                }
            }
        }
        return problems;
    }

    private String checkLink(Path page, String markdown, String target) {
        if (SCHEME.matcher(target).find()) {
            return null;
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path file = path.isEmpty() ? page : normalize(page.resolveSibling(path));
        if (!path.isEmpty() && !Files.exists(root.resolve(file))) {
            return "link (" + target + "): no file " + file;
        }
        if (anchor == null || !file.toString().endsWith(".md")) {
            return null;
        }
        String text = path.isEmpty() ? markdown : read(file);
        return headingSlugs(text).contains(anchor)
                ? null
                : "link (" + target + "): no heading #" + anchor + " in " + file;
    }

    private String checkCitation(String code) {
        boolean fileLike = FILE_ROOTS.stream().anyMatch(code::startsWith)
                && FILE.matcher(code).matches();
        if (fileLike && !matches(root, code).isEmpty()) {
            return null;
        }
        Matcher cls = CLASS.matcher(code);
        if (cls.matches() && cls.group(2).chars().anyMatch(Character::isUpperCase)) {
            return checkClass(code, cls.group(1), cls.group(2), cls.group(3));
        }
        Matcher qualified = QUALIFIED_CLASS.matcher(code);
        if (qualified.matches()) {
            return checkClass(code, qualified.group(1).replace('.', '/'), qualified.group(2), null);
        }
        return fileLike ? "file `" + code + "`: not found" : null;
    }

    private String checkClass(String code, String packagePath, String className, String member) {
        List<Path> files = new ArrayList<>();
        for (String sourceRoot : SOURCE_ROOTS) {
            files.addAll(matches(root, sourceRoot + packagePath + className + ".java"));
        }
        if (files.isEmpty()) {
            return "class `" + code + "`: no " + packagePath + className + ".java under " + SOURCE_ROOTS;
        }
        if (member != null
                && files.stream()
                        .noneMatch(f -> Pattern.compile("\\b" + member + "\\b")
                                .matcher(read(f))
                                .find())) {
            return "class `" + code + "`: " + className + " has no member " + member;
        }
        return null;
    }

    /** Slugs of the page's headings (outside fenced code), as GitHub makes them for anchors. */
    static Set<String> headingSlugs(String markdown) {
        Set<String> slugs = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : markdown.split("\n")) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
            }
            Matcher heading = HEADING.matcher(line);
            if (!inFence && heading.matches()) {
                String slug = slug(heading.group(1));
                int repeat = seen.merge(slug, 1, Integer::sum) - 1;
                slugs.add(repeat == 0 ? slug : slug + "-" + repeat);
            }
        }
        return slugs;
    }

    /** GitHub's anchor of a heading: lower case, only letters, digits, spaces, - and _ kept, spaces to -. */
    static String slug(String heading) {
        return heading.toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N} _-]", "")
                .replace(' ', '-');
    }

    /** Files matching {@code path} under {@code base}; {@code *} in the last part matches any characters. */
    private static List<Path> matches(Path base, String path) {
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        Path full = base.resolve(trimmed);
        String name = full.getFileName().toString();
        if (!name.contains("*")) {
            return Files.exists(full) ? List.of(full) : List.of();
        }
        Pattern glob = Pattern.compile(Pattern.quote(name).replace("*", "\\E.*\\Q"));
        if (!Files.isDirectory(full.getParent())) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(full.getParent())) {
            return list.filter(p -> glob.matcher(p.getFileName().toString()).matches())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path normalize(Path path) {
        Path normalized = path.normalize();
        return normalized.toString().isEmpty() ? Path.of(".") : normalized;
    }

    private String read(Path file) {
        try {
            return Files.readString(root.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
