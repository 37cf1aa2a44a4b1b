package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin endpoint's status page in a real browser: headless Chromium loads it from a running
 * leader, runs its script against {@code /status}, and shows a killed follower DOWN. Screenshots
 * land in {@code target/} as build artifacts.
 */
class StatusPageIT {

    /** A page that polls every second shows a follower killed outright (its connection reset) DOWN well within this. */
    private static final Duration FEW_SECONDS = Duration.ofSeconds(10);
    private static final Path TARGET = Path.of("target");

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void pageShowsTheClusterAndAKilledFollowerDown() throws Exception {
        String missing = HeadlessBrowser.missing();
        if (missing != null && System.getenv("CI") != null) {
            fail(missing + "; .ci/run installs chromium");
        }
        assumeTrue(missing == null, missing);
        KvCluster cluster = new KvCluster(repl, 2).start();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, cluster.put(0, "key-" + i, "value-" + i).status());
        }
        String page = "http://127.0.0.1:" + cluster.adminPorts[0] + "/";
        try (HeadlessBrowser browser = HeadlessBrowser.launch(Files.createDirectories(repl.dir().resolve("chromium")))) {
            browser.navigate(page);
            await("the page to show both followers UP").atMost(START)
                    .until(() -> state(browser, "follower-1").equals("UP") && state(browser, "follower-2").equals("UP"));
            assertEquals("leader – leader", browser.evaluate("document.getElementById('title').textContent"));
            assertEquals("healthy", browser.evaluate("document.getElementById('summary').textContent"));
            // The charts draw from the page's own history of /status, a line per follower.
            await("the round-trip chart to draw").atMost(START)
                    .until(() -> browser.evaluate("document.querySelectorAll('#rtt-chart path[d^=\"M\"]').length").equals("2"));
            Files.write(TARGET.resolve("status-page-up.png"), browser.screenshot());

            cluster.nodes[2].kill();
            await("the page to show follower-2 DOWN").atMost(FEW_SECONDS).until(() -> state(browser, "follower-2").equals("DOWN"));
            assertEquals("UP", state(browser, "follower-1"));
            assertTrue(browser.evaluate("document.getElementById('summary').textContent").startsWith("healthy"),
                    "a quorum is still up, so the leader is healthy");
            Files.write(TARGET.resolve("status-page.png"), browser.screenshot());

            // Self-contained: everything the page loaded came from the node itself.
            String foreign = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                    + ".filter(n => !n.startsWith(location.origin)).join(' ')");
            assertEquals("", foreign, "requests outside the node");
        }
    }

    private static String state(HeadlessBrowser browser, String follower) {
        return browser.evaluate("(document.querySelector('tr[data-peer=\"" + follower + "\"] .state') || {}).textContent || ''");
    }
}
