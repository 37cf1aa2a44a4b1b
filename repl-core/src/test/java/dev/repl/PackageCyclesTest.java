package dev.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The internal packages of repl-core form layers: no package depends, through any chain, on
 * itself. The public API ({@code dev.repl.api} and {@code dev.repl.api.client}) stands outside
 * the layers: it holds the value types every layer shares (addresses, options, outcomes) and the
 * entry points that assemble the layers, so edges to and from it are not counted.
 */
class PackageCyclesTest {

    private static final Pattern PACKAGE = Pattern.compile("^package (dev\\.repl[\\w.]*);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.repl(?:\\.[a-z]\\w*)*)\\.[A-Z]", Pattern.MULTILINE);

    @Test
    void noPackageDependsOnItself() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(source);
                if (!pkg.find()) {
                    continue;
                }
                if (isApi(pkg.group(1))) {
                    continue;
                }
                Set<String> targets = uses.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
                Matcher imports = IMPORT.matcher(source);
                while (imports.find()) {
                    if (!imports.group(1).equals(pkg.group(1)) && !isApi(imports.group(1))) {
                        targets.add(imports.group(1));
                    }
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            if (reaches(uses, start, start, new TreeSet<>())) {
                cycles.add(start + " -> " + uses.get(start));
            }
        }
        assertEquals(List.of(), cycles, "packages that depend on themselves through others");
    }

    private static boolean isApi(String pkg) {
        return pkg.equals("dev.repl.api") || pkg.startsWith("dev.repl.api.");
    }

    private static boolean reaches(Map<String, Set<String>> uses, String from, String target, Set<String> seen) {
        for (String next : uses.getOrDefault(from, Set.of())) {
            if (next.equals(target) || seen.add(next) && reaches(uses, next, target, seen)) {
                return true;
            }
        }
        return false;
    }
}
