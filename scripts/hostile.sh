#!/usr/bin/env bash
# The hostile corpus: malformed inputs, bad flags, bad output places, tampered models and files cut
# short while they are read, each run through the real binary. One line per case:
#
#   ok    csv/truncated-at-1234          exit 1  customers.csv:12: expected 85 fields, found 3
#   FAIL  model/centres-nan              exit 0  (a NaN result written)
#
# A case passes when the tool ends on its own (exit 0, 1 or 64; never a signal or a trap), an
# error names the file or the flag, a failed run leaves nothing behind (no output folder or file,
# no temporary), and a run that succeeds wrote finite numbers. Flags and inputs are the cases; the
# inputs themselves are never modified (checked by digest at the end).
#
#   scripts/hostile.sh SEGMENT_BINARY [--cheap]     (--cheap: the fast cases only, for make test)
#
# Exits 1 if any case fails. Needs python3 (standard library) for the model cases; without it they
# are skipped and said so.
set -uo pipefail
bin=$(realpath "$1"); cheap=${2:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" generate -o data --population-rows 3000 --customer-rows 800 --seed 5 >/dev/null || { echo "generate failed"; exit 1; }
pop=data/azdias.csv cus=data/customers.csv
before=$(md5sum data/* | md5sum)
cases=0 failures=0

# verdict CATEGORY/NAME EXPECT OUT -- COMMAND...
#   EXPECT: "error" (exit 1 or 64 and a message naming $mention), "any" (an error as above, or success
#   with finite results), "ok" (success with finite results). OUT is the output the command would
#   write (a folder or a file): on failure it must not exist.
mention=""
verdict() {
  local name=$1 expect=$2 out=$3; shift 4
  cases=$((cases + 1))
  rm -rf "$out"
  timeout 120 "$@" >stdout 2>stderr; local rc=$?
  local first; first=$(grep -m1 -v '^$' stderr | cut -c1-110)
  local problem=""
  if [ $rc -ge 124 ]; then problem="exit $rc (a crash, a signal or a hang)"
  elif [ $rc = 0 ]; then
    if [ "$expect" = error ]; then problem="exit 0 where an error was expected"
    elif [ -d "$out" ] && grep -l -i -E '(^|[^a-z])(nan|inf)([^a-z]|$)' "$out"/summary.json "$out"/*.csv 2>/dev/null | head -1 | grep -q .; then
      problem="a NaN or infinite result written"
    elif [ -f "$out" ] && grep -q -i -E '(^|,)(nan|inf)(,|$)' "$out"; then problem="a NaN or infinite result written"
    fi
  else
    if [ "$expect" = ok ]; then problem="exit $rc where success was expected: $first"
    elif [ $rc != 1 ] && [ $rc != 64 ]; then problem="exit $rc"
    elif [ -z "$first" ]; then problem="no message"
    elif [ -n "$mention" ] && ! grep -q -F -- "$mention" stderr; then problem="the message does not name '$mention'"
    elif [ -e "$out" ]; then problem="a failed run left $out"
    fi
  fi
  if ls -a . "$(dirname "$out")" 2>/dev/null | grep -q -E '\.tmp-|staging-'; then problem="${problem:+$problem; }a temporary file left"; fi
  if [ -n "$problem" ]; then
    failures=$((failures + 1)); printf 'FAIL  %-36s exit %-3s %s\n' "$name" "$rc" "$problem"
  else
    printf 'ok    %-36s exit %-3s %s\n' "$name" "$rc" "${first:-(success)}"
  fi
}
R=("$bin" run --k 3 --k-range none --quiet)
run_with() {  # run_with POPULATION CUSTOMERS OUT [FLAGS...]
  local p=$1 c=$2 o=$3; shift 3
  "${R[@]}" --population "$p" --customers "$c" -o "$o" "$@"
}

# --- malformed CSV files (as the customers; the population takes the same reader) ---------------
size=$(stat -c %s $cus)
offsets="1 2 10 100 700 1500 4000 9000 20000 50000 $((size / 2)) $((size - 100)) $((size - 2)) $((size - 1))"
[ -n "$cheap" ] && offsets="1 100 1500 $((size / 2)) $((size - 2))"
for at in $offsets; do
  head -c "$at" $cus > cut.csv
  mention=cut.csv verdict "csv/cut-at-$at" any o -- "${R[@]}" --population $pop --customers cut.csv -o o
done
# One byte put into a data row: NUL, a quote, the delimiter, CR, an invalid UTF-8 byte, a letter,
# a minus, a dot, a space, DEL.
bytes='\x00 " ; \r \xff x - . \x20 \x7f'
lines="2 17 401"
[ -n "$cheap" ] && lines="17"
for line in $lines; do
  for b in $bytes; do
    # perl, not awk: a NUL byte survives it.
    perl -pe "if (\$. == $line) { s/^([^;]*;..)/\${1}$b/ }" $cus > byte.csv
    mention=byte.csv verdict "csv/byte-${b//\\/}-line-$line" any o -- "${R[@]}" --population $pop --customers byte.csv -o o
  done
done
# Lines and fields.
case_edit() {  # case_edit NAME EXPECT AWK-PROGRAM
  awk -F';' -v OFS=';' "$3" $cus > edit.csv
  mention=edit.csv verdict "csv/$1" "$2" o -- "${R[@]}" --population $pop --customers edit.csv -o o
}
case_edit field-dropped error 'NR == 9 { NF = NF - 1 } { print }'
case_edit field-added error 'NR == 9 { $0 = $0 ";1" } { print }'
case_edit row-empty-fields error 'NR == 9 { $0 = ";;;" } { print }'
case_edit header-renamed error 'NR == 1 { $5 = "NOT_A_COLUMN" } { print }'
case_edit header-duplicated error 'NR == 1 { $5 = $6 } { print }'
case_edit header-missing-column error '{ NF = NF - 1; print }'
case_edit header-only error 'NR == 1 { print }'
case_edit header-blank error 'NR == 1 { print ""; next } { print }'
case_edit no-header error 'NR > 1 { print }'
case_edit quoted-text error 'NR == 9 { $3 = "\"abc\"" } { print }'
case_edit unterminated-quote error 'NR == 9 { $3 = "\"4" } { print }'
case_edit value-1e400 error 'NR == 9 { $3 = "1e400" } { print }'
case_edit value-1e300 error 'NR == 9 { $2 = "1e300" } { print }'
case_edit value-inf error 'NR == 9 { $3 = "inf" } { print }'
case_edit value-nan error 'NR == 9 { $3 = "nan" } { print }'
case_edit value-hex error 'NR == 9 { $3 = "0x10" } { print }'
case_edit value-negative-huge any 'NR == 9 { $3 = "-99999999" } { print }'
case_edit value-fraction any 'NR == 9 { $3 = "2.5" } { print }'
case_edit crlf any '{ printf "%s\r\n", $0 }'
case_edit bom any 'NR == 1 { printf "\357\273\277" } { print }'
case_edit no-final-newline any '{ printf (NR > 1 ? "\n" : "") "%s", $0 }'
case_edit blank-lines-between any '{ print; if (NR % 50 == 0) print "" }'
case_edit comma-delimited any '{ gsub(";", ","); print }'
case_edit tab-delimited any '{ gsub(";", "\t"); print }'
case_edit mixed-delimiters error 'NR == 9 { sub(";", ",") } { print }'
case_edit every-value-missing any 'NR > 1 { for (i = 1; i <= NF; i++) $i = "" } { print }'
case_edit one-row any 'NR <= 2 { print }'
case_edit long-line error 'NR == 9 { s = $0; for (i = 0; i < 14; i++) s = s s; print s; next } { print }'
# Files that are not CSV files at all.
printf '' > empty.csv
mention=empty.csv verdict csv/empty error o -- "${R[@]}" --population $pop --customers empty.csv -o o
head -c 4096 /dev/urandom > random.csv
mention=random.csv verdict csv/random-bytes error o -- "${R[@]}" --population $pop --customers random.csv -o o
cp "$bin" binary.csv
mention=binary.csv verdict csv/an-executable error o -- "${R[@]}" --population $pop --customers binary.csv -o o
mention=/dev/null verdict csv/dev-null error o -- "${R[@]}" --population $pop --customers /dev/null -o o
mention=/dev/zero verdict csv/dev-zero error o -- "${R[@]}" --population $pop --customers /dev/zero -o o
mention=data verdict csv/a-directory error o -- "${R[@]}" --population $pop --customers data -o o
mention=nope.csv verdict csv/no-such-file error o -- "${R[@]}" --population $pop --customers nope.csv -o o
mkfifo fifo.csv; cat $cus > fifo.csv & writer=$!
mention="" verdict csv/a-fifo any o -- "${R[@]}" --population $pop --customers fifo.csv -o o
kill $writer 2>/dev/null; wait $writer 2>/dev/null
mention=/dev/zero verdict describe/dev-zero error o -- "$bin" describe /dev/zero
mention=random.csv verdict check/random-bytes error o -- "$bin" check random.csv
mention=empty.csv verdict summary/empty error o -- "${R[@]}" --population $pop --customers $cus -o o --features empty.csv
sed 's/;ordinal;/;ordinalish;/' data/feature_summary.csv > summary-type.csv
mention=summary-type.csv verdict summary/unknown-type error o -- "${R[@]}" --population $pop --customers $cus -o o --features summary-type.csv
sed 's/\[-1,0\]/[-1,0/' data/feature_summary.csv > summary-list.csv
mention=summary-list.csv verdict summary/broken-list error o -- "${R[@]}" --population $pop --customers $cus -o o --features summary-list.csv
head -5 data/feature_summary.csv > summary-short.csv
mention=summary-short.csv verdict summary/five-features any o -- "${R[@]}" --population $pop --customers $cus -o o --features summary-short.csv
head -c 5000 /dev/urandom > random.xlsx
mention=--metadata verdict xlsx/random-bytes error o -- "${R[@]}" --population $pop --customers $cus -o o --metadata random.xlsx
printf 'PK\003\004junk' > junk.xlsx
mention=--metadata verdict xlsx/zip-header-only error o -- "${R[@]}" --population $pop --customers $cus -o o --metadata junk.xlsx

run_with $pop $cus fitted >/dev/null 2>&1

# --- flags --------------------------------------------------------------------------------------
while IFS='|' read -r name flag args; do
  [ -z "$name" ] && continue
  # shellcheck disable=SC2086
  mention=$flag verdict "flag/$name" error o -- "$bin" $args
done <<EOF
k-zero|--k|run --population $pop --customers $cus -o o --k 0
k-negative|--k|run --population $pop --customers $cus -o o --k -3
k-text|--k|run --population $pop --customers $cus -o o --k three
k-range-huge|--k-range|run --population $pop --customers $cus -o o --k-range 2-100000
k-range-reversed|--k-range|run --population $pop --customers $cus -o o --k-range 9-2
k-range-text|--k-range|run --population $pop --customers $cus -o o --k-range a-b
k-range-none-alone|--k-range|run --population $pop --customers $cus -o o --k-range none
components-zero|--components|run --population $pop --customers $cus -o o --components 0
components-fraction|--components|run --population $pop --customers $cus -o o --components 1.5
row-threshold-text|--row-threshold|run --population $pop --customers $cus -o o --row-threshold many
row-threshold-negative|--row-threshold|run --population $pop --customers $cus -o o --row-threshold -1
column-threshold-two|--column-threshold|run --population $pop --customers $cus -o o --column-threshold 2
backend-unknown|--backend|run --population $pop --customers $cus -o o --backend cuda
impute-unknown|--impute|run --population $pop --customers $cus -o o --impute zero
threads-zero|--threads|run --population $pop --customers $cus -o o --threads 0
threads-huge|--threads|run --population $pop --customers $cus -o o --threads 100000
delimiter-pipe|--delimiter|run --population $pop --customers $cus -o o --delimiter |
delimiter-wrong|--delimiter|run --population $pop --customers $cus -o o --delimiter ,
describe-delimiter-wrong|--delimiter|describe $pop --delimiter ,
n-init-zero|--n-init|run --population $pop --customers $cus -o o --n-init 0
seed-text|--seed|run --population $pop --customers $cus -o o --seed abc
sweep-sample-negative|--sweep-sample|run --population $pop --customers $cus -o o --sweep-sample -5
unknown-flag|--bogus|run --population $pop --customers $cus -o o --bogus
no-population|--population|run --customers $cus -o o
no-customers|--customers|run --population $pop -o o
layout-unknown|--layout|run --population $pop --customers $cus -o o --layout huge
column-type-bad|--column-type|run --population $pop --customers $cus -o o --column-type KKK=colour
column-type-subset|--column-type|run --population $pop --customers $cus -o o --column-type NO_SUCH=numeric
id-column-subset|--id-column|run --population $pop --customers $cus -o o --id-column NO_SUCH
generate-rows-negative|--population-rows|generate -o o --population-rows -1
generate-seed-text|--seed|generate -o o --seed abc
generate-layout-unknown|--layout|generate -o o --layout huge
score-no-model|--model|score --input $cus -o o
score-threads-zero|--threads|score --model fitted/model.json --input $cus -o o --threads 0
train-no-train|--train|train -o o
check-tolerance-zero|--tolerance|check $pop --tolerance 0
describe-multi-level|--multi-level|describe $pop --multi-level maybe
no-such-command|nosuchcommand|nosuchcommand
EOF

# --- output places ------------------------------------------------------------------------------
printf 'x' > a-file
mention=a-file verdict out/is-a-file error a-file/o -- "${R[@]}" --population $pop --customers $cus -o a-file
mention=a-file verdict out/under-a-file error a-file/o -- "${R[@]}" --population $pop --customers $cus -o a-file/o
mention=/proc verdict out/in-proc error /proc/segment-o -- "${R[@]}" --population $pop --customers $cus -o /proc/segment-o
mention=/sys verdict out/in-sys error /sys/segment-o -- "${R[@]}" --population $pop --customers $cus -o /sys/segment-o
long=$(printf 'x%.0s' $(seq 1 300))
rm() { command rm "$@" 2>/dev/null; }
mention=$long verdict out/name-too-long error "$long" -- "${R[@]}" --population $pop --customers $cus -o "$long"
mention=a-file verdict score/output-under-a-file error a-file/s.csv -- "$bin" score --model fitted/model.json --input $cus -o a-file/s.csv
mention=a-file verdict generate/output-is-a-file error a-file/x -- "$bin" generate -o a-file --population-rows 10 --customer-rows 5
if [ "$(id -u)" = 0 ] && mkdir -p full && mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
  mention=full verdict out/disk-full error full/o -- "${R[@]}" --population $pop --customers $cus -o full/o
  mention=full verdict generate/disk-full error full/g -- "$bin" generate -o full/g --population-rows 3000 --customer-rows 800
  umount full
else
  echo "skip  out/disk-full                        (needs root to mount a small tmpfs)"
fi
# An existing report is not replaced by a failed run.
run_with $pop $cus kept >/dev/null 2>&1
kept_sum=$(md5sum kept/* | md5sum)
mention=empty.csv verdict out/failed-run-keeps-report error kept/none -- "${R[@]}" --population $pop --customers empty.csv -o kept --force
[ "$(md5sum kept/* | md5sum)" = "$kept_sum" ] || { failures=$((failures + 1)); echo "FAIL  out/failed-run-keeps-report         the old report changed"; }

# --- tampered models ----------------------------------------------------------------------------
if command -v python3 >/dev/null && [ -f fitted/model.json ]; then
  # Every numeric array and number in the model: shortened, lengthened, a NaN, a huge value, text,
  # null, removed; then the whole file: cut short, emptied, not JSON, another version.
  python3 - fitted/model.json models <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
model = json.load(open(src))
paths = []
def walk(v, path):
    if isinstance(v, dict):
        # A name-to-index table (one entry per column): its first two entries stand for the rest.
        items = list(v.items())
        for k, x in (items[:2] if len(items) > 20 else items): walk(x, path + [k])
    elif isinstance(v, list):
        if v and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v): paths.append((path, "list"))
        elif v and all(isinstance(x, str) for x in v): paths.append((path, "strings"))
        else:
            for i, x in enumerate(v[:2]): walk(x, path + [i])
    elif isinstance(v, (int, float)) and not isinstance(v, bool): paths.append((path, "number"))
walk(model, [])
def get(m, path):
    for k in path: m = m[k]
    return m
def put(m, path, value):
    m = json.loads(json.dumps(m))
    t = m
    for k in path[:-1]: t = t[k]
    if value is KeyError: del t[path[-1]]
    else: t[path[-1]] = value
    return m
def write(name, text):
    open(os.path.join(out, name + ".json"), "w").write(text)
for path, kind in paths:
    v = get(model, path)
    key = ".".join(str(p) for p in path)
    if kind == "list":
        edits = {"shorter": v[:-1], "longer": v + [v[-1]], "nan": ["NaN"] + v[1:], "huge": [1e308] + v[1:],
                 "text": ["x"] + v[1:], "empty": []}
    elif kind == "strings":
        edits = {"shorter": v[:-1], "renamed": ["NO_SUCH_COLUMN"] + v[1:]}
    else:
        edits = {"negative": -abs(v) - 1, "huge": 1e308, "text": "many"}
    edits["null"] = None
    for e, value in edits.items():
        write(key + "-" + e, json.dumps(put(model, path, value)).replace('"NaN"', "NaN"))
text = json.dumps(model)
write("whole-cut-short", text[: len(text) // 2])
write("whole-empty", "")
write("whole-not-json", "model: yes\n")
write("whole-array", "[1, 2, 3]")
write("format-99", json.dumps(put(model, ["formatVersion"], 99)))
PY
  ls models/*.json | sort > model-list
  [ -n "$cheap" ] && awk 'NR % 8 == 1' model-list > m && mv m model-list
  while read -r m; do
    n=$(basename "$m" .json)
    mention=$m verdict "model/$n" any scored.csv -- "$bin" score --model "$m" --input $cus -o scored.csv
  done < model-list
else
  echo "skip  model/*                              (needs python3 and a fitted model)"
fi

# --- the full capstone layout: metadata, its flags, the response model -----------------------------
"$bin" generate --layout full -o fdata --population-rows 2500 --customer-rows 700 --mailout-train-rows 1500 \
  --mailout-test-rows 400 --seed 7 >/dev/null 2>&1
fp=fdata/Udacity_AZDIAS_052018.csv fc=fdata/Udacity_CUSTOMERS_052018.csv
ft=fdata/Udacity_MAILOUT_052018_TRAIN.csv fx=fdata/Udacity_MAILOUT_052018_TEST.csv
if [ -f "$fx" ]; then
  F=("${R[@]}" --population $fp --customers $fc)
  mention=random.xlsx verdict full/metadata-random-bytes error o -- "${F[@]}" -o o --metadata random.xlsx
  mention=junk.xlsx verdict full/metadata-zip-header-only error o -- "${F[@]}" -o o --metadata junk.xlsx
  mention=data/customers.csv verdict full/metadata-a-csv error o -- "${F[@]}" -o o --metadata data/customers.csv
  head -c 3000 "fdata/DIAS Attributes - Values 2017.xlsx" > cut.xlsx
  mention=cut.xlsx verdict full/metadata-cut-short error o -- "${F[@]}" -o o --metadata cut.xlsx
  mention=--id-column verdict full/id-column-unknown error o -- "${F[@]}" -o o --id-column NO_SUCH
  mention=--column-type verdict full/column-type-unknown-column error o -- "${F[@]}" -o o --column-type NO_SUCH=numeric
  mention=--column-type verdict full/column-type-bad-type error o -- "${F[@]}" -o o --column-type D19_SOZIALES=colour
  mention="" verdict full/column-type-date any o -- "${F[@]}" -o o --column-type D19_SOZIALES=date
  mention=$cus verdict full/subset-customers error o -- "${R[@]}" --population $fp --customers $cus -o o
  mention=$pop verdict full/subset-population any o -- "${R[@]}" --population $pop --customers $fc -o o --layout full
  T=("$bin" train --population $fp --customers $fc --quiet --search-budget 1 --folds 3)
  awk -F';' -v OFS=';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "RESPONSE") r = i } { $r = ""; print }' $ft | sed 's/;;/;/' > noresp.csv
  mention=noresp.csv verdict train/no-response error r -- "${T[@]}" --train noresp.csv -o r
  awk -F';' -v OFS=';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "RESPONSE") r = i } NR == 5 { $r = "2" } { print }' $ft > resp2.csv
  mention=resp2.csv verdict train/response-2 error r -- "${T[@]}" --train resp2.csv -o r
  awk -F';' -v OFS=';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "RESPONSE") r = i } NR == 5 { $r = "yes" } { print }' $ft > respyes.csv
  mention=respyes.csv verdict train/response-text error r -- "${T[@]}" --train respyes.csv -o r
  awk -F';' -v OFS=';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "RESPONSE") r = i } NR > 1 { $r = "0" } { print }' $ft > resp0.csv
  mention=resp0.csv verdict train/no-responders error r -- "${T[@]}" --train resp0.csv -o r
  mention=$cus verdict train/subset-file error r -- "${T[@]}" --train $cus -o r
  if "${T[@]}" --train $ft -o model >/dev/null 2>&1; then
    mention="" verdict predict/ok ok p.csv -- "$bin" predict --model model/response_model.json --input $fx -o p.csv
    awk -F';' -v OFS=';' '{ NF = NF - 1; print }' $fx > fewer.csv
    mention=fewer.csv verdict predict/a-column-fewer error p.csv -- "$bin" predict --model model/response_model.json --input fewer.csv -o p.csv
    mention=$cus verdict predict/subset-file error p.csv -- "$bin" predict --model model/response_model.json --input $cus -o p.csv
    mention=fitted/model.json verdict predict/a-segment-model error p.csv -- "$bin" predict --model fitted/model.json --input $fx -o p.csv
    head -c 2000 model/response_model.json > cutmodel.json
    mention=cutmodel.json verdict predict/model-cut-short error p.csv -- "$bin" predict --model cutmodel.json --input $fx -o p.csv
    mention=model/response_model.json verdict score/a-response-model error s.csv -- "$bin" score --model model/response_model.json --input $cus -o s.csv
  else
    failures=$((failures + 1)); echo "FAIL  train/ok                              training on the generated mail-out failed"
  fi
else
  failures=$((failures + 1)); echo "FAIL  full/generate                         generating the full layout failed"
fi

# --- a file cut short while it is read ----------------------------------------------------------
if [ -z "$cheap" ]; then
  "$bin" generate -o big --population-rows 300000 --customer-rows 1000 --seed 6 >/dev/null
  # The population (80 MB) loads in the first ~100-300 ms: the cuts fall in that window.
  for i in $(seq 1 20); do
    cp big/azdias.csv moving.csv
    ( sleep "$(awk -v ms=$(( RANDOM % 250 )) 'BEGIN { printf "%.3f", ms / 1000 }')"; truncate -s $(( RANDOM * 1000 )) moving.csv ) &
    mention=moving.csv verdict "truncated-while-read/$i" any t -- "${R[@]}" --population moving.csv --customers big/customers.csv -o t --force
    wait
  done
fi

[ "$(md5sum data/* | md5sum)" = "$before" ] || { failures=$((failures + 1)); echo "FAIL  inputs                               an input file was modified"; }
echo "hostile: $cases cases, $failures failed"
[ $failures = 0 ]
