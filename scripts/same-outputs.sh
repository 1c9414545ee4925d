#!/usr/bin/env bash
# Runs two segment binaries on the same files with the same flags and checks that every
# deterministic output is byte-identical: summary.json, model.json, both assignment files, both
# reports, and score's output. For changes that must not change a number (e.g. a restructuring).
#
#   scripts/same-outputs.sh OLD_SEGMENT NEW_SEGMENT [DATA_DIR]      (DATA_DIR defaults to data/)
#
# Exits 0 when every file matches in every configuration, 1 otherwise.
set -euo pipefail
old=$1 new=$2 data=${3:-data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
configs=("default:" "swift-1-thread:--backend swift --threads 1" "lloyd-fresh:--kmeans-algorithm lloyd --sweep-start fresh --k 7")
for config in "${configs[@]}"; do
  name=${config%%:*} flags=${config#*:}
  for side in old new; do
    bin=$old; [ "$side" = new ] && bin=$new
    # shellcheck disable=SC2086
    "$bin" run --population "$data/azdias.csv" --customers "$data/customers.csv" --output "$work/$side-$name" \
      --quiet $flags >/dev/null
    "$bin" score --model "$work/$side-$name/model.json" --input "$data/customers.csv" \
      --output "$work/$side-$name/score.csv" >/dev/null
  done
  for f in summary.json model.json population_assignments.csv customers_assignments.csv report.html report.md score.csv; do
    if cmp -s "$work/old-$name/$f" "$work/new-$name/$f"; then
      echo "same      $name/$f"
    else
      echo "DIFFERENT $name/$f"; status=1
    fi
  done
done
exit $status
