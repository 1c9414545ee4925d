#!/usr/bin/env bash
# Signals at many moments of `segment run --force`: after each, the output folder must hold one whole
# report (every file byte-identical to a complete run with the same seed: never a mix of two runs),
# no temporary file or staging folder may be left (after SIGKILL, the next run removes them), and no
# run may crash (an exit of 128 or more other than 130/143 for SIGINT/SIGTERM and 137 for SIGKILL).
#
#   scripts/torture.sh SEGMENT_BINARY [TRIALS] [ROWS]        (defaults: 200 trials, 20,000 rows)
#
# Prints one line per problem and a verdict; exits 1 on any problem.
set -uo pipefail
bin=$1 trials=${2:-200} rows=${3:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" generate -o data --population-rows "$rows" --customer-rows $((rows / 4)) --seed 3 >/dev/null
run() { "$bin" run --population data/azdias.csv --customers data/customers.csv -o "$1" --k 4 --k-range none --seed "$2" --quiet --force; }
files="summary.json model.json population_assignments.csv customers_assignments.csv report.md report.html"
digest() { (cd "$1" && md5sum $files | cut -c1-32 | tr '\n' ' '); }
for s in 1 2; do run "ref$s" "$s" >/dev/null; digest "ref$s" > "ref$s.sum"; done
# How long one run takes, so the signals spread over all of it, the commit included.
start=$(date +%s%N); run out 1 >/dev/null; span=$(( ($(date +%s%N) - start) / 1000000 ))
mixed=0 leftovers=0 crashes=0
for i in $(seq 1 "$trials"); do
  seed=$((i % 2 + 1)) sig=INT
  [ $((i % 3)) = 0 ] && sig=TERM
  [ $((i % 7)) = 0 ] && sig=KILL
  # The binary itself in the background (not a function: $! would be a subshell's).
  "$bin" run --population data/azdias.csv --customers data/customers.csv -o out --k 4 --k-range none \
    --seed "$seed" --quiet --force >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v ms=$(( RANDOM % (span + 50) )) 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -"$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null; rc=$?
  if [ "$rc" -ge 128 ] && [ "$rc" != 130 ] && [ "$rc" != 143 ] && [ "$rc" != 137 ]; then
    crashes=$((crashes + 1)); echo "CRASH    trial $i ($sig): exit $rc"
  fi
  now=$(digest out)
  if [ "$now" != "$(cat ref1.sum)" ] && [ "$now" != "$(cat ref2.sum)" ]; then
    mixed=$((mixed + 1)); echo "MIXED    trial $i ($sig)"
  fi
  # An interrupted run must leave nothing of its own (a SIGKILLed one cannot clean up: the next run
  # that gets as far as preparing its output removes what it left, checked after the last run).
  if [ "$sig" != KILL ] && ls -a . out 2>/dev/null | grep -q -E "tmp-$pid-|staging-$pid\$"; then
    leftovers=$((leftovers + 1)); echo "LEFTOVER trial $i ($sig): $(ls -a . out | grep -E "tmp-$pid-|staging-$pid" | tr '\n' ' ')"
  fi
done
# A last, uninterrupted run clears what SIGKILLs left.
run out 1 >/dev/null
if ls -a . out | grep -q -E 'tmp-|staging-'; then leftovers=$((leftovers + 1)); echo "LEFTOVER after a clean run"; fi
echo "torture: $trials signals over ${span} ms runs: $mixed mixed reports, $leftovers leftovers, $crashes crashes"
[ $mixed = 0 ] && [ $leftovers = 0 ] && [ $crashes = 0 ]
