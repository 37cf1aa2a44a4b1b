package dev.repl.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol, so tests see the status page as a browser renders it, script
 * included; CDP is JSON over a WebSocket, so the JDK's HTTP client and Jackson are all it needs.
 */
final class HeadlessBrowser implements AutoCloseable {

    private static final List<String> BINARIES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final String LISTENING = "DevTools listening on ";
    private static final Duration STARTUP = Duration.ofSeconds(30);
    private static final Duration CALL = Duration.ofSeconds(15);
    private static final Duration EXIT = Duration.ofSeconds(5);
    private static final int STDERR_TAIL = 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(CALL).build();

    private final Process process;
    private final Deque<String> stderrLines = new ArrayDeque<>();
    private final Thread killOnExit;
    private final AtomicInteger nextId = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final Map<String, List<CompletableFuture<JsonNode>>> eventWaiters = new HashMap<>();
    private final Object sendLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile WebSocket webSocket;
    private volatile String disconnected;

    private HeadlessBrowser(Process process) {
        this.process = process;
        // A JVM that exits without close() (a forked test JVM torn down mid-test) must not leave Chromium behind.
        this.killOnExit = new Thread(this::killAll, "chromium-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    static HeadlessBrowser launch(Path profileDir) throws IOException {
        Path binary = findBinary();
        Process process = new ProcessBuilder(binary.toString(),
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--no-default-browser-check", "--user-data-dir=" + profileDir, "--remote-debugging-port=0",
                "--window-size=1200,900", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        process.getOutputStream().close();
        HeadlessBrowser browser = new HeadlessBrowser(process);
        try {
            browser.connect(browser.awaitDevToolsAddress());
            return browser;
        } catch (IOException | RuntimeException | Error e) {
            // No point waiting for a graceful exit from a browser that never came up properly.
            browser.killAll();
            browser.close();
            throw e;
        }
    }

    /** Loads {@code url} and returns once its load event has fired. */
    void navigate(String url) {
        call("Page.enable", MAPPER.createObjectNode());
        // Registered before navigating, or a fast page could fire the event before anyone listens.
        CompletableFuture<JsonNode> loaded = nextEvent("Page.loadEventFired");
        try {
            String error = call("Page.navigate", MAPPER.createObjectNode().put("url", url)).path("errorText").asText(null);
            try {
                // Even a failed navigation loads Chromium's error page; until it has, the page answers "Not attached to an active page".
                await(loaded, "Page.loadEventFired for " + url);
            } catch (IllegalStateException e) {
                if (error == null) {
                    throw e;
                }
            }
            if (error != null) {
                throw new IllegalStateException("navigating to " + url + " failed: " + error);
            }
        } finally {
            forget("Page.loadEventFired", loaded);
        }
    }

    /** The value of {@code expression} in the page: a string as is, anything else as JSON ({@code undefined} when it has none). */
    String evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", MAPPER.createObjectNode().put("expression", expression).put("returnByValue", true));
        JsonNode exception = result.get("exceptionDetails");
        if (exception != null) {
            String description = exception.path("exception").path("description").asText("");
            throw new IllegalStateException(expression + " threw: " + exception.path("text").asText()
                    + (description.isEmpty() ? "" : " " + description));
        }
        JsonNode value = result.path("result").path("value");
        if (value.isMissingNode()) {
            return result.path("result").path("type").asText("undefined");
        }
        return value.isTextual() ? value.asText() : value.toString();
    }

    /** The viewport as PNG bytes. */
    byte[] screenshot() {
        JsonNode result = call("Page.captureScreenshot", MAPPER.createObjectNode().put("format", "png"));
        return Base64.getDecoder().decode(result.path("data").asText());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Taken while Chromium is still their parent: once it dies its renderers are reparented and no longer its descendants.
        List<ProcessHandle> children = process.descendants().toList();
        try {
            WebSocket socket = webSocket;
            if (socket != null) {
                try {
                    call("Browser.close", MAPPER.createObjectNode());
                } catch (RuntimeException e) {
                    // Already gone or not answering: the process is killed below either way.
                }
                socket.abort();
                disconnect("the browser is closed");
            }
        } finally {
            reap(children);
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException e) {
                // The JVM is shutting down and the hook is running or about to: nothing to undo.
            }
        }
    }

    /** Why no browser can be launched here, or null when one can. */
    static String missing() {
        try {
            findBinary();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private static Path findBinary() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : BINARIES) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException("no headless browser: none of " + String.join(", ", BINARIES)
                + " is on PATH (apt-get install chromium)");
    }

    /** Drains stderr for the whole life of the process (a full pipe would stall Chromium) and yields the DevTools address. */
    private String awaitDevToolsAddress() throws IOException {
        CompletableFuture<String> address = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    synchronized (stderrLines) {
                        if (stderrLines.size() == STDERR_TAIL) {
                            stderrLines.removeFirst();
                        }
                        stderrLines.addLast(line);
                    }
                    if (line.startsWith(LISTENING)) {
                        address.complete(line.substring(LISTENING.length()).trim());
                    }
                }
            } catch (IOException e) {
                // The stream closes under us when the process is destroyed.
            }
            address.completeExceptionally(new IOException("chromium exited before printing its DevTools address"));
        }, "chromium-stderr");
        drain.setDaemon(true);
        drain.start();
        try {
            return address.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IOException("chromium printed no DevTools address within " + STARTUP.toSeconds() + " s; stderr ends with:\n"
                    + stderrTail());
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage() + "; stderr ends with:\n" + stderrTail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for chromium to start", e);
        }
    }

    private String stderrTail() {
        synchronized (stderrLines) {
            return String.join("\n", stderrLines);
        }
    }

    private void connect(String browserAddress) throws IOException {
        int port = URI.create(browserAddress).getPort();
        JsonNode targets = MAPPER.readTree(get(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))));
        String pageAddress = null;
        for (JsonNode target : targets) {
            if ("page".equals(target.path("type").asText())) {
                pageAddress = target.path("webSocketDebuggerUrl").asText(null);
                break;
            }
        }
        if (pageAddress == null) {
            // The about:blank tab is normally there by now; opening one beats polling for it.
            URI open = URI.create("http://127.0.0.1:" + port + "/json/new?about:blank");
            pageAddress = MAPPER.readTree(get(HttpRequest.newBuilder(open).PUT(HttpRequest.BodyPublishers.noBody())))
                    .path("webSocketDebuggerUrl").asText(null);
        }
        if (pageAddress == null) {
            throw new IOException("chromium on port " + port + " has no page target: " + targets);
        }
        webSocket = await(HTTP.newWebSocketBuilder().buildAsync(URI.create(pageAddress), new Listener()), "WebSocket to " + pageAddress);
    }

    private static String get(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(CALL).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(response.request().method() + " " + response.uri() + " answered " + response.statusCode()
                        + ": " + response.body());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted talking to chromium", e);
        }
    }

    private JsonNode call(String method, ObjectNode params) {
        int id = nextId.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        try {
            // Checked after registering: the listener marks the connection dead before failing what is registered.
            String gone = disconnected;
            if (gone != null) {
                throw new IllegalStateException(method + ": " + gone);
            }
            ObjectNode message = MAPPER.createObjectNode().put("id", id).put("method", method);
            message.set("params", params);
            String text = MAPPER.writeValueAsString(message);
            // WebSocket allows one outstanding send at a time.
            synchronized (sendLock) {
                await(webSocket.sendText(text, true), "sending " + method);
            }
            JsonNode response = await(reply, method);
            JsonNode error = response.get("error");
            if (error != null) {
                String data = error.path("data").asText("");
                throw new IllegalStateException(method + " failed: " + error.path("message").asText() + (data.isEmpty() ? "" : " " + data));
            }
            return response.path("result");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + method, e);
        } finally {
            replies.remove(id);
        }
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get(CALL.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IllegalStateException(what + ": no answer from chromium within " + CALL.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }

    private CompletableFuture<JsonNode> nextEvent(String method) {
        CompletableFuture<JsonNode> event = new CompletableFuture<>();
        synchronized (eventWaiters) {
            if (disconnected != null) {
                event.completeExceptionally(new IllegalStateException(disconnected));
            } else {
                eventWaiters.computeIfAbsent(method, m -> new ArrayList<>()).add(event);
            }
        }
        return event;
    }

    private void forget(String method, CompletableFuture<JsonNode> event) {
        synchronized (eventWaiters) {
            List<CompletableFuture<JsonNode>> waiters = eventWaiters.get(method);
            if (waiters != null) {
                waiters.remove(event);
            }
        }
    }

    private void dispatch(String text) {
        JsonNode message;
        try {
            message = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return;
        }
        if (message.has("id")) {
            CompletableFuture<JsonNode> reply = replies.get(message.get("id").asInt());
            if (reply != null) {
                reply.complete(message);
            }
        } else if (message.has("method")) {
            List<CompletableFuture<JsonNode>> waiters;
            synchronized (eventWaiters) {
                waiters = eventWaiters.remove(message.get("method").asText());
            }
            if (waiters != null) {
                waiters.forEach(waiter -> waiter.complete(message.path("params")));
            }
        }
    }

    private void disconnect(String why) {
        List<CompletableFuture<JsonNode>> waiting = new ArrayList<>();
        synchronized (eventWaiters) {
            disconnected = why;
            eventWaiters.values().forEach(waiting::addAll);
            eventWaiters.clear();
        }
        waiting.addAll(replies.values());
        waiting.forEach(waiter -> waiter.completeExceptionally(new IllegalStateException(why)));
    }

    private void reap(List<ProcessHandle> children) {
        boolean interrupted = false;
        try {
            if (!process.waitFor(EXIT.toSeconds(), TimeUnit.SECONDS)) {
                killAll();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            killAll();
        }
        children.forEach(ProcessHandle::destroyForcibly);
        while (true) {
            try {
                process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void killAll() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** The JDK delivers a frame only when asked for it; Chromium splits big messages (a screenshot) over frames, joined until the last. */
    private final class Listener implements WebSocket.Listener {

        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                dispatch(text);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            disconnect("chromium closed the DevTools connection (" + statusCode + " " + reason + ")");
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            disconnect("DevTools connection failed: " + error);
        }
    }
}
