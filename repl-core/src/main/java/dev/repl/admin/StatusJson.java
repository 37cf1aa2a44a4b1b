package dev.repl.admin;

import dev.repl.liveness.FollowerStatus;

/** Renders {@link NodeStatus} as the JSON of {@code GET /status}. Written by hand: the shape is small and fixed. */
public final class StatusJson {

    private StatusJson() {
    }

    public static String render(NodeStatus status) {
        StringBuilder json = new StringBuilder(256 + 256 * status.followers().size());
        json.append("{\"name\": ").append(quote(status.name())).append(", \"role\": ").append(quote(status.role()));
        if (status.isLeader()) {
            json.append(", \"followers\": [");
            String separator = "";
            for (FollowerStatus f : status.followers()) {
                json.append(separator).append("\n  {\"name\": ").append(quote(f.name()))
                        .append(", \"address\": ").append(quote(f.address()))
                        .append(", \"state\": ").append(quote(f.state().name()))
                        .append(", \"lastAckAgeMs\": ").append(orNull(f.lastAckAgeMs()))
                        .append(", \"rttUs\": {\"p50\": ").append(orNull(f.rttP50Us())).append(", \"p99\": ").append(orNull(f.rttP99Us())).append('}')
                        .append(", \"missed\": ").append(f.missed())
                        .append(", \"reconnects\": ").append(f.reconnects())
                        .append(", \"connectAttempts\": ").append(f.connectAttempts())
                        .append(", \"lastEvent\": ").append(quote(f.lastEvent())).append('}');
                separator = ",";
            }
            json.append("]}\n");
        } else {
            json.append(", \"leader\": {\"state\": ").append(quote(status.leader().state().name()))
                    .append(", \"address\": ").append(quote(status.leader().address()))
                    .append(", \"lastHeartbeatAgeMs\": ").append(orNull(status.leader().lastHeartbeatAgeMs()))
                    .append(", \"lastEvent\": ").append(quote(status.leader().lastEvent())).append("}}\n");
        }
        return json.toString();
    }

    private static String orNull(long value) {
        return value < 0 ? "null" : Long.toString(value);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
