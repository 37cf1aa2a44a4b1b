package dev.repl.it;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * faultfs mounts for one test, one per member. Registered after {@link ReplLauncher}, so that
 * after every test, passed or failed, it first stops the test's processes, then unmounts every
 * mount and reaps its daemon, before the launcher checks that nothing is left. Before a test it
 * requires root and FUSE (with {@code CI} set) or skips the test saying what is missing, and
 * unmounts whatever an earlier, interrupted run left mounted.
 */
final class FaultMounts implements BeforeEachCallback, AfterEachCallback {

    private static final Path ROOT = Path.of(System.getProperty("repl.work", "target/it-work")).toAbsolutePath().resolve("faultfs");

    private final ReplLauncher repl;
    private final List<FaultFs> mounts = new ArrayList<>();
    private Path dir;
    private Path sockets;

    FaultMounts(ReplLauncher repl) {
        this.repl = repl;
    }

    /** What the storage-fault tests need and this machine lacks, or null. */
    static String missingPrerequisite() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "storage-fault tests need root (to mount FUSE file systems)";
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            return "storage-fault tests need /dev/fuse";
        }
        if (!Files.isReadable(FaultFs.SCRIPT)) {
            return "storage-fault tests need " + FaultFs.SCRIPT;
        }
        if (FaultFs.run(FaultFs.PYTHON, "-c", "import fusepy") != 0) {
            return "storage-fault tests need " + FaultFs.PYTHON + " with fusepy and libfuse2 (apt-get install -y python3-fusepy libfuse2)";
        }
        return null;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        String missing = missingPrerequisite();
        if (missing != null && System.getenv("CI") != null) {
            fail(missing + "; .ci/run installs them and runs as root");
        }
        assumeTrue(missing == null, missing);
        for (String stale : mountsUnder(ROOT)) {
            FaultFs.run("umount", "-l", stale);
            System.out.println("faultfs: unmounted " + stale + ", left by an earlier run");
        }
        dir = ROOT.resolve(context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName());
        delete(dir);
        Files.createDirectories(dir);
        sockets = Files.createTempDirectory("faultfs");
    }

    /** Mounts a fresh faultfs named {@code name} for this test. */
    FaultFs mount(String name) {
        FaultFs fs = FaultFs.mount(name, dir.resolve(name), sockets);
        mounts.add(fs);
        return fs;
    }

    /** One mount per member of a cluster, named by its id. */
    FaultFs[] mountEach(int members) {
        FaultFs[] fs = new FaultFs[members];
        for (int i = 0; i < members; i++) {
            fs[i] = mount(PeerCluster.id(i));
        }
        return fs;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (dir == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        try {
            repl.stopAll();
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        for (FaultFs fs : mounts) {
            String problem = fs.unmount();
            if (problem != null) {
                problems.add(problem + "; its log: " + fs.log());
            }
        }
        mounts.clear();
        List<String> left = mountsUnder(dir);
        left.forEach(m -> FaultFs.run("umount", "-l", m));
        if (!left.isEmpty()) {
            problems.add("mounts left behind: " + left);
        }
        delete(sockets);
        if (!problems.isEmpty()) {
            throw new AssertionError("cleaning up faultfs: " + problems);
        }
    }

    /** Mount points at or below {@code root}, from /proc/self/mounts. */
    private static List<String> mountsUnder(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 1) {
                String point = fields[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
                if (point.equals(root.toString()) || point.startsWith(root + "/")) {
                    found.add(point);
                }
            }
        }
        return found;
    }

    private static void delete(Path path) throws IOException {
        if (path == null || !Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
