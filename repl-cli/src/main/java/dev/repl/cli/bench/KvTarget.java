package dev.repl.cli.bench;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A cluster under write load: how a write is sent, and what a committed one looks like. */
interface KvTarget extends AutoCloseable {

    /** {@code repl} or {@code etcd}, as the results name it. */
    String system();

    HttpRequest write(String key, byte[] value);

    /** Whether the answer is a committed write. */
    boolean ok(HttpResponse<byte[]> response);

    @Override
    void close();
}
