#!/usr/bin/env bash
# Crash and overlap trials on the CDI pipeline (issue 12), with the real binary on generated data:
#   kill -9 at random moments of a backfill, then rerun at once (no lock wait): the rerun must exit 0,
#   and `repair --verify` must find every partition healthy;
#   two overlapping materializations at once: both must exit 0 and no partition may be built by both.
# usage: bash bench/crash-trials.sh [kills=10] [overlaps=5]   (figures go to RELIABILITY.md by hand)
set -uo pipefail
kills=${1:-10}
overlaps=${2:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
strata() { node "$here/bin/strata.js" "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export STRATA_LANDING=$work/landing CI=1 AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=1
strata generate-sample --customers 3000 --days 40 --start 2026-09-01 --seed 13 --profile light >/dev/null

export STRATA_STORAGE=$work/kill
blocked=0 failed=0 damaged=0 recorded=0 notcrashed=0
for i in $(seq 1 "$kills"); do
  before=$(strata runs --json --all --limit 1 | jq -r '.[0].runId // ""')
  # node itself, not a shell function, so that $! is the pid that kill -9 hits.
  node "$here/bin/strata.js" backfill '*' --from 2026-09-08 --to 2026-09-16 --force >/dev/null 2>&1 &
  pid=$!
  sleep "$(node -e 'console.log((1 + Math.random() * 7).toFixed(2))')"
  started=$(strata runs --json --all --limit 1 | jq -r '.[0].runId // ""')
  [ "$started" = "$before" ] && started=
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  out=$(STRATA_LOCK_WAIT_MS=0 strata backfill '*' --from 2026-09-08 --to 2026-09-16 2>&1); code=$?
  grep -q 'is being materialized by run' <<<"$out" && blocked=$((blocked + 1))
  [ "$code" = 0 ] || failed=$((failed + 1))
  verify=$(strata repair --verify --dry-run 2>&1); grep -q " 0 damaged" <<<"$verify" || damaged=$((damaged + 1))
  # The killed run is recorded once its plan was made; killed before that, it left no record at all.
  if [ -n "$started" ] && [ "$(strata runs --json --all --limit 20 | jq -r --arg id "$started" '.[] | select(.runId == $id) | .status')" != crashed ]; then notcrashed=$((notcrashed + 1)); fi
  [ -n "$started" ] && recorded=$((recorded + 1))
done
echo "kill -9: $kills tries; reruns blocked by a lock: $blocked; reruns failed: $failed; stores with damaged partitions: $damaged; killed runs that had a record: $recorded, of them not shown as crashed: $notcrashed"

double=0 nonzero=0 waited=0
for i in $(seq 1 "$overlaps"); do
  export STRATA_STORAGE=$work/overlap-$i
  node "$here/bin/strata.js" materialize '*' --from 2026-09-22 --to 2026-09-29 >/dev/null 2>&1 &
  a=$!
  node "$here/bin/strata.js" materialize '*' --from 2026-09-25 --to 2026-10-02 >/dev/null 2>&1 &
  b=$!
  wait "$a" || nonzero=$((nonzero + 1))
  wait "$b" || nonzero=$((nonzero + 1))
  runs=$(strata runs --json --all --limit 2)
  twice=$(jq '[.[].steps[] | select(.status == "success") | "\(.asset)@\(.partition)"] | group_by(.) | map(select(length > 1)) | length' <<<"$runs")
  double=$((double + twice))
  waited=$((waited + $(jq '[.[].steps[] | select(.builtBy != null)] | length' <<<"$runs")))
done
echo "overlapping runs: $overlaps pairs; runs that exited non-zero: $nonzero; partitions built twice: $double; steps skipped as built by the other run: $waited"
