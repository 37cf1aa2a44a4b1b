package dev.repl.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /}: one self-contained HTML page that polls {@code /status} and draws the node, its
 * peers and the last minutes of round trips and lag. It is read from the jar once, when the
 * endpoint starts, so no request reads a file on an event loop.
 */
final class StatusPage {

    static final String CONTENT_TYPE = "text/html; charset=utf-8";
    /** Nothing outside this node may be reached: scripts and styles are inline, and only /status is fetched. */
    static final String SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:";

    private StatusPage() {
    }

    static byte[] load() {
        try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading status.html from the jar", e);
        }
    }
}
