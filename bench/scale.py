#!/usr/bin/env python3
"""A population too large for the notebook, side by side (make bench-scale).

1. `segment run` in one process, default flags, every output written: wall clock and peak memory.
2. The same with `--memory-limit` (2G by default): wall clock, peak memory, the bytes spilled, and
   whether every output but run_info.json is the same bytes as the in-memory run's.
3. The same under `mpirun -np N`, with the same `--memory-limit`: wall clock, the largest rank's
   peak memory, rank 0's communication (run_info.json) per k-means step, and whether every output
   but run_info.json is the same bytes as the single run's.
4. The scikit-learn way for data beyond memory, on the same files: pandas reads the CSV in chunks
   (`chunksize`), once per pass, and the estimators that learn in parts do the rest. The passes:
   - value counts per column, giving the exact medians and the dummy columns;
   - `StandardScaler.partial_fit`;
   - `IncrementalPCA(30).partial_fit`;
   - `MiniBatchKMeans(k).partial_fit` at segment's k;
   - a last pass for the labels and the inertia.
   The cleaning is the notebook's (bench/notebook.py): codes to NaN, segment's dropped columns
   and row threshold (from its summary.json), the same re-encoding, and one-hot columns fixed by
   the first pass.

5. With --spark, Spark MLlib in local mode (bench/spark_scale.py): the same cleaning in DataFrame
   expressions, Imputer, one-hot, StandardScaler, PCA(30) and KMeans at segment's k.

With --reference (the default data, `make data`), first `segment run` in memory on it: the time
per row the issue's 1.5x target is measured against, in the same run, on the same machine, and
each 20 M-row run's time per row as a ratio to it.

Prints one JSON line: each side's seconds and peak memory, and the inertia of each side's
segments on its own projection.
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time, warnings

import numpy as np
import pandas as pd

# A column with a text code in some chunks only is read as text there; clean() turns it back.
warnings.simplefilter("ignore", pd.errors.DtypeWarning)

ap = argparse.ArgumentParser()
ap.add_argument("--segment", required=True)
ap.add_argument("--data", required=True, help="folder with azdias.csv, customers.csv, feature_summary.csv")
ap.add_argument("--processes", type=int, default=2, help="mpirun -np (0 skips it)")
ap.add_argument("--chunk-rows", type=int, default=500_000)
ap.add_argument("--memory-limit", default="2G", help="segment run --memory-limit for the second run ('' skips it)")
ap.add_argument("--reference", help="folder with the default data: segment run on it in memory, for the time per row")
ap.add_argument("--skip-sklearn", action="store_true")
ap.add_argument("--spark", action="store_true", help="also Spark MLlib in local mode (pyspark)")
ap.add_argument("--spark-driver-memory", default="16g")
a = ap.parse_args()
population, customers, features = (os.path.join(a.data, f) for f in ("azdias.csv", "customers.csv", "feature_summary.csv"))
out = {"population_bytes": os.path.getsize(population)}


def peak_of(command, **kwargs):
    """Runs a command under GNU time: its seconds and its peak resident memory (MB)."""
    with tempfile.NamedTemporaryFile("r") as log:
        t = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", log.name] + command, check=True, stdout=subprocess.DEVNULL, **kwargs)
        seconds = time.perf_counter() - t
        return seconds, int(log.read().split()[-1]) / 1024


def same_bytes(a, b):
    return all(open(f"{a}/{f}", "rb").read() == open(f"{b}/{f}", "rb").read() for f in os.listdir(a) if f != "run_info.json")


with tempfile.TemporaryDirectory() as tmp:
    if a.reference:
        ref = [os.path.join(a.reference, f) for f in ("azdias.csv", "customers.csv", "feature_summary.csv")]
        out["reference_seconds"], out["reference_peak_mb"] = peak_of(
            [a.segment, "run", "--population", ref[0], "--customers", ref[1], "--features", ref[2], "-q",
             "--output", tmp + "/reference"])
        out["reference_rows"] = json.load(open(tmp + "/reference/summary.json"))["inputs"]["populationRows"]
        out["reference_us_per_row"] = out["reference_seconds"] / out["reference_rows"] * 1e6
    args = ["run", "--population", population, "--customers", customers, "--features", features, "-q"]
    out["segment_seconds"], out["segment_peak_mb"] = peak_of([a.segment] + args + ["--output", tmp + "/one"])
    summary = json.load(open(tmp + "/one/summary.json"))
    info = json.load(open(tmp + "/one/run_info.json"))
    out["segment_stages"] = {k: round(v, 2) for k, v in info["stageSeconds"].items()}
    out["segment_k"] = summary["kmeans"]["k"]
    out["segment_inertia"] = summary["kmeans"]["inertia"]
    out["rows_low_missing"] = summary["cleaning"]["assessment"]["lowMissingRows"]
    rows = summary["inputs"]["populationRows"]
    out["segment_us_per_row"] = out["segment_seconds"] / rows * 1e6
    if a.reference:
        out["segment_per_row_vs_reference"] = out["segment_us_per_row"] / out["reference_us_per_row"]
    if a.memory_limit:
        out["limited_memory_limit"] = a.memory_limit
        out["limited_seconds"], out["limited_peak_mb"] = peak_of(
            [a.segment] + args + ["--output", tmp + "/limited", "--memory-limit", a.memory_limit, "--spill-directory", tmp])
        limited = json.load(open(tmp + "/limited/run_info.json"))
        out["limited_spilled_bytes"] = limited.get("spilledBytes")
        out["limited_stages"] = {k: round(v, 2) for k, v in limited["stageSeconds"].items()}
        out["limited_same_bytes"] = same_bytes(tmp + "/one", tmp + "/limited")
        out["limited_us_per_row"] = out["limited_seconds"] / rows * 1e6
        if a.reference:
            out["limited_per_row_vs_reference"] = out["limited_us_per_row"] / out["reference_us_per_row"]
    if a.spark:
        spark = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "spark_scale.py"),
                                "--population", population, "--features", features, "--summary", tmp + "/one/summary.json",
                                "--driver-memory", a.spark_driver_memory, "--local-dir", tmp],
                               check=True, capture_output=True, text=True)
        out.update(json.loads(spark.stdout.strip().splitlines()[-1]))
        out["spark_speedup"] = out["spark_seconds"] / out["segment_seconds"]
        out["spark_inertia_ratio"] = out["segment_inertia"] / out["spark_inertia"]
    if a.processes > 1:
        env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        limit = ["--memory-limit", a.memory_limit, "--spill-directory", tmp] if a.memory_limit else []
        # GNU time's peak is the largest of the processes it waited for, through mpirun: the
        # largest rank's.
        out["mpirun_seconds"], out["mpirun_largest_peak_mb"] = peak_of(
            ["mpirun", "-np", str(a.processes), "--oversubscribe", a.segment] + args + ["--output", tmp + "/many"] + limit, env=env)
        out["mpirun_processes"] = a.processes
        out["mpirun_memory_limit"] = a.memory_limit or None
        many = json.load(open(tmp + "/many/run_info.json"))
        out["mpirun_rank0_peak_mb"] = many["peakMemoryBytes"] / 1e6
        out["mpirun_communication"] = many.get("communication")
        # A k-means step (the sweep's and the final fits' alike) is one gather of the chunk sums;
        # the labels and distances are gathered at the end of each fit.
        parts = (many.get("communication") or {}).get("byPurpose") or {}
        step, results = parts.get("k-means steps"), parts.get("fit results")
        if step and step["gathers"]:
            out["mpirun_kmeans_steps"] = step["gathers"]
            out["mpirun_bytes_per_step"] = step["bytesGathered"] / step["gathers"]
            out["mpirun_ms_per_step"] = step["seconds"] / step["gathers"] * 1e3
        if results:
            out["mpirun_fit_results_bytes"] = results["bytesGathered"]
            out["mpirun_fit_results_seconds"] = results["seconds"]
        out["mpirun_us_per_row"] = out["mpirun_seconds"] / rows * 1e6
        if a.reference:
            out["mpirun_per_row_vs_reference"] = out["mpirun_us_per_row"] / out["reference_us_per_row"]
        out["mpirun_stages"] = {k: round(v, 2) for k, v in many["stageSeconds"].items()}
        out["mpirun_same_bytes"] = same_bytes(tmp + "/one", tmp + "/many")

if a.skip_sklearn:
    print(json.dumps(out))
    raise SystemExit

from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA
from sklearn.preprocessing import StandardScaler

from notebook_steps import Laps, derive, read_summary, to_nan

dropped = [d["name"] for d in summary["cleaning"]["droppedColumns"]]
threshold = summary["cleaning"]["assessment"]["rowThreshold"]
k = summary["kmeans"]["k"]
codes, kinds = read_summary(features)


def clean(df):
    """A chunk, as the notebook cleans the whole frame, up to (not including) the one-hot step."""
    df = to_nan(df, codes)
    for c in df.columns:
        # A column whose chunk held a text code ('X') is read as text: its numbers back to numbers.
        if not pd.api.types.is_numeric_dtype(df[c]):
            number = pd.to_numeric(df[c], errors="coerce")
            if number.notna().sum() == df[c].notna().sum():
                df[c] = number
    df = df.drop(columns=[c for c in dropped if c in df])
    return derive(df[df.isna().sum(axis=1) <= threshold], kinds)


def chunks():
    for df in pd.read_csv(population, sep=";", chunksize=a.chunk_rows):
        yield clean(df)


lap = Laps()


# Pass 1: value counts per column: the medians (exact, the values are small codes) and the dummies.
counts = {}
for df in chunks():
    for c in df:
        vc = df[c].value_counts()
        counts[c] = vc if c not in counts else counts[c].add(vc, fill_value=0)
multi = sorted(c for c in counts if kinds.get(c) == "categorical" and len(counts[c]) > 2)
dummies = {c: sorted(counts[c].index) for c in multi}
plain = [c for c in counts if c not in multi]


def median(vc):
    vc = vc.sort_index()
    cum = vc.cumsum().to_numpy()
    total = cum[-1]
    lo = vc.index[np.searchsorted(cum, (total + 1) // 2)]
    hi = vc.index[np.searchsorted(cum, total // 2 + 1)]
    return (lo + hi) / 2


medians = {c: median(counts[c]) for c in plain}
lap("pass 1: value counts (medians, dummy columns)")


def matrix(df):
    x = df[plain].astype(float).fillna(medians).to_numpy()
    parts = [x] + [(df[c].to_numpy()[:, None] == np.array(dummies[c])[None, :]).astype(float) for c in multi]
    return np.hstack(parts)


scaler = StandardScaler()
for df in chunks():
    scaler.partial_fit(matrix(df))
lap("pass 2: StandardScaler.partial_fit")
ipca = IncrementalPCA(n_components=30)
for df in chunks():
    ipca.partial_fit(scaler.transform(matrix(df)))
lap("pass 3: IncrementalPCA.partial_fit")
mbk = MiniBatchKMeans(n_clusters=k, random_state=42, n_init=3, batch_size=4096)
for df in chunks():
    mbk.partial_fit(ipca.transform(scaler.transform(matrix(df))))
lap("pass 4: MiniBatchKMeans.partial_fit")
inertia, rows = 0.0, 0
for df in chunks():
    p = ipca.transform(scaler.transform(matrix(df)))
    d = mbk.transform(p).min(axis=1)
    inertia += float((d * d).sum())
    rows += len(p)
lap("pass 5: labels and inertia")

out["sklearn_seconds"] = lap.total()
out["sklearn_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["sklearn_steps"] = lap.steps
out["sklearn_features"] = len(plain) + sum(len(v) for v in dummies.values())
out["sklearn_rows"] = rows
out["sklearn_inertia"] = inertia
out["speedup"] = out["sklearn_seconds"] / out["segment_seconds"]
out["inertia_ratio"] = out["segment_inertia"] / inertia
print(json.dumps(out))
