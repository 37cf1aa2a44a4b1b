/**
 * {@code repl}: leader–follower replication on Netty, with an elected leader (Raft), a
 * replicated log and a key-value store. Only {@code dev.repl.api} (running a node in-process)
 * and {@code dev.repl.api.client} (talking to a running cluster) are exported; every other
 * package is internal and may change in any release.
 */
module dev.repl.core {
    exports dev.repl.api;
    exports dev.repl.api.client;

    // Status documents are records serialized by Jackson.
    opens dev.repl.admin to com.fasterxml.jackson.databind;

    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.resolver;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires java.net.http;
    requires HdrHistogram;
    requires io.prometheus.metrics.config;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    requires io.prometheus.metrics.instrumentation.jvm;
}
