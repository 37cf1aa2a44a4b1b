#!/bin/sh
# A fault drill on network-namespace hosts (needs root, iproute2, nftables, curl):
#   scripts/drill.sh [faults] [seed]      default 300 faults and a new seed, printed first
# Replays a run exactly when given its seed. The table is printed at the end and written to
# repl-it/target/it-work/drill-report.txt; each fault's line is in the failsafe report.
# Unit tests are skipped by naming one that does not exist: naming the IT there would run it twice.
set -eu
cd "$(dirname "$0")/.."
faults=${1:-300}
seed=${2:-}
exec mvn -B -am -pl repl-it verify -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=FaultDrillIT -Ddrill.faults="$faults" ${seed:+-Ddrill.seed="$seed"}
