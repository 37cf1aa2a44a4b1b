#!/bin/sh
# One-shot start-up: the median wall time of `repl heartbeat` against two running followers,
# next to a bare `java -version` in the same run, and the same check without the launcher's
# start-up aids (class-data-sharing archive, lazy subcommands cannot be turned off here).
# Usage: scripts/bench-oneshot.sh [runs]   (default 20; needs a built checkout and python3)
set -eu
dir=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
runs=${1:-20}
repl="$dir/repl"
jar="$dir/repl-dist/target/repl.jar"
java="java"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; fi
p1=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$repl" node --role follower --port "$p1" --name follower-1 2>/dev/null &
f1=$!
"$repl" node --role follower --port "$p2" --name follower-2 2>/dev/null &
f2=$!
trap 'kill $f1 $f2 2>/dev/null; wait $f1 $f2 2>/dev/null || true' EXIT INT TERM
followers="127.0.0.1:$p1,127.0.0.1:$p2"
until "$repl" heartbeat --followers "$followers" >/dev/null 2>&1; do sleep 0.2; done
python3 - "$runs" "$java -version" "$repl heartbeat --timeout 10s --followers $followers" \
    "$java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar $jar heartbeat --timeout 10s --followers $followers" <<'PY'
import statistics, subprocess, sys, time
runs, commands = int(sys.argv[1]), sys.argv[2:]
labels = ["java -version", "./repl heartbeat", "heartbeat without the CDS archive"]
times = {c: [] for c in commands}
for _ in range(runs):
    for c in commands:  # interleaved, so the machine's noise falls on all alike
        t = time.monotonic()
        if subprocess.run(c.split(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            sys.exit("failed: " + c)
        times[c].append((time.monotonic() - t) * 1000)
base = statistics.median(times[commands[0]])
for label, c in zip(labels, commands):
    m = statistics.median(times[c])
    print("%-36s median %6.0f ms  p90 %6.0f ms  %5.1fx java -version" % (label, m, sorted(times[c])[int(0.9 * (runs - 1))], m / base))
PY
