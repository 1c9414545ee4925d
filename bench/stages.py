#!/usr/bin/env python3
"""The stage table of `segment run`, two builds side by side.

    python3 bench/stages.py --runs 5 OLD_SEGMENT NEW_SEGMENT [--data DIR]

Runs both binaries on the same files in turn (OLD, NEW, OLD, NEW, ...; alternating, because the
development machines are shared and their speed drifts), reads the stage lines each run prints
on stderr, and prints the median seconds per stage, the total and the peak memory, with the ratio
NEW / OLD. Used for issue 18's "stage table before and after".
"""
import argparse
import re
import statistics
import subprocess
import tempfile

LINE = re.compile(r"\s+([a-z -]+?)\s{2,}([0-9.]+) s(, peak memory ([0-9]+) MB)?")


def run(binary, data, out):
    err = subprocess.run([binary, "run", "--population", f"{data}/azdias.csv", "--customers", f"{data}/customers.csv",
                          "--features", f"{data}/feature_summary.csv", "--output", out, "--force"],
                         capture_output=True, text=True, check=True).stderr
    stages = {}
    for line in err.splitlines():
        m = LINE.match(line)
        if m:
            stages[m.group(1)] = float(m.group(2))
            if m.group(4):
                stages["peak memory (MB)"] = float(m.group(4))
    return stages


def main():
    p = argparse.ArgumentParser()
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--data", default="data")
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    seen = {a.old: {}, a.new: {}}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(a.runs):
            for b in (a.old, a.new):
                for stage, v in run(b, a.data, f"{tmp}/out").items():
                    seen[b].setdefault(stage, []).append(v)
    print(f"{'stage':24s} {'old':>9s} {'new':>9s} {'new/old':>8s}")
    for stage in seen[a.new]:
        old = statistics.median(seen[a.old].get(stage, [float("nan")]))
        new = statistics.median(seen[a.new][stage])
        print(f"{stage:24s} {old:9.2f} {new:9.2f} {new / old:8.2f}")


if __name__ == "__main__":
    main()
