package dev.repl.it;

import static dev.repl.it.Cluster.START;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The admin endpoint's status page in a real browser: headless Chromium, driven by Selenium
 * through Debian's chromedriver, loads it from a running leader, runs its script against
 * {@code /status}, and shows a killed follower DOWN. Screenshots land in {@code target/}.
 */
class StatusPageIT {

    /** A page that polls every second shows a follower killed outright (its connection reset) DOWN well within this. */
    private static final Duration FEW_SECONDS = Duration.ofSeconds(10);
    private static final Path TARGET = Path.of("target");

    @RegisterExtension
    final ReplLauncher repl = new ReplLauncher();

    @Test
    void pageShowsTheClusterAndAKilledFollowerDown() throws Exception {
        Path chromium = onPath("chromium");
        Path chromedriver = onPath("chromedriver");
        if ((chromium == null || chromedriver == null) && System.getenv("CI") != null) {
            fail("chromium and chromedriver are required; .ci/run installs chromium and chromium-driver");
        }
        assumeTrue(chromium != null && chromedriver != null, "chromium or chromedriver is not installed (apt-get install chromium-driver)");
        KvCluster cluster = new KvCluster(repl, 2).start();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, cluster.put(0, "key-" + i, "value-" + i).status());
        }
        WebDriver browser = chrome(chromium, chromedriver, Files.createDirectories(repl.dir().resolve("chromium")));
        try {
            browser.get("http://127.0.0.1:" + cluster.adminPorts[0] + "/");
            await("the page to show both followers UP").atMost(START)
                    .until(() -> state(browser, "follower-1").equals("UP") && state(browser, "follower-2").equals("UP"));
            assertEquals("leader – leader", text(browser, "#title"));
            assertEquals("healthy", text(browser, "#summary"));
            // The charts draw from the page's own history of /status, a line per follower.
            await("the round-trip chart to draw").atMost(START)
                    .until(() -> browser.findElements(By.cssSelector("#rtt-chart path[d^='M']")).size() == 2);
            Files.write(TARGET.resolve("status-page-up.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

            cluster.nodes[2].kill();
            await("the page to show follower-2 DOWN").atMost(FEW_SECONDS).until(() -> state(browser, "follower-2").equals("DOWN"));
            assertEquals("UP", state(browser, "follower-1"));
            assertEquals("healthy", text(browser, "#summary"), "a follower is still reachable, so the leader is healthy");
            assertTrue(text(browser, "tr[data-peer='follower-2'] .event").contains("-> DOWN"));
            Files.write(TARGET.resolve("status-page.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

            // Self-contained: nothing on the page points elsewhere, and all it loaded came from the node.
            assertEquals(List.of(), browser.findElements(By.cssSelector("[src], [href], link, iframe")));
            Object foreign = ((JavascriptExecutor) browser).executeScript("return performance.getEntriesByType('resource')"
                    + ".map(e => e.name).filter(n => !n.startsWith(location.origin)).join(' ')");
            assertEquals("", foreign, "requests outside the node");
        } finally {
            browser.quit();
        }
    }

    private static WebDriver chrome(Path chromium, Path chromedriver, Path profile) {
        // Selenium reports its own version checks through java.util.logging; the test's output is the page's.
        Logger.getLogger("org.openqa.selenium").setLevel(Level.SEVERE);
        ChromeOptions options = new ChromeOptions()
                .setBinary(chromium.toFile())
                // Root in CI cannot use Chromium's sandbox; a fixed window size makes screenshots comparable.
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1200,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String state(WebDriver browser, String follower) {
        return text(browser, "tr[data-peer='" + follower + "'] .state");
    }

    /**
     * The text of the first element matching {@code css}, or "". Read in one script call: the page rebuilds its rows
     * each second, so an element found by one WebDriver call may be gone by the next (a stale element reference).
     */
    private static String text(WebDriver browser, String css) {
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';", css);
        return String.valueOf(text);
    }

    private static Path onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
