#!/bin/sh
# Power cuts of a whole three-member cluster on faultfs mounts (needs root, FUSE, python3-fusepy, libfuse2):
#   scripts/storage-drill.sh [cuts] [seed]      default 30 cuts and a new seed, printed first
# Each cut's choices (when to cut, which unsynced pages survive) follow from the seed; the
# interleaving of the writes does not, so a replay cuts at the same points in the writes, not
# at the same bytes. Each cut's outcome is in the failsafe report (repl-it/target/failsafe-reports).
# Unit tests are skipped by naming one that does not exist: naming the IT there would run it twice.
set -eu
cd "$(dirname "$0")/.."
cuts=${1:-30}
seed=${2:-}
exec mvn -B -am -pl repl-it verify -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test='StorageFaultIT#powerCutOfEveryMemberLosesNoAcknowledgedWrite' -Dstorage.runs="$cuts" ${seed:+-Dstorage.seed="$seed"}
