#!/bin/sh
# Steady-state footprint of a follower: one leader heartbeating it every 100 ms for a while,
# then the follower's resident set size (VmRSS) and the leader's, with the launcher's node
# settings, and the same follower started with plain `java -jar` defaults for comparison.
# Usage: scripts/bench-rss.sh [seconds]   (default 30; needs a built checkout and python3)
set -eu
dir=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
secs=${1:-30}
repl="$dir/repl"
jar="$dir/repl-dist/target/repl.jar"
java="java"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; fi
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(port); p2=$(port); pl=$(port)
"$repl" node --role follower --port "$p1" --name follower-1 2>/dev/null &
f1=$!
"$java" -XX:+UseSerialGC -jar "$jar" node --role follower --port "$p2" --name follower-2 2>/dev/null &
f2=$!
sleep 2
"$repl" node --role leader --port "$pl" --followers "127.0.0.1:$p1,127.0.0.1:$p2" 2>/dev/null &
l=$!
trap 'kill $f1 $f2 $l 2>/dev/null; wait $f1 $f2 $l 2>/dev/null || true' EXIT INT TERM
sleep "$secs"
rss() { awk '/VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$1/status"; }
echo "after ${secs} s of heartbeats every 100 ms:"
echo "  follower, ./repl node (launcher settings):  $(rss $f1)"
echo "  follower, java -XX:+UseSerialGC -jar:       $(rss $f2)"
echo "  leader of both, ./repl node:                $(rss $l)"
