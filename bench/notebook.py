#!/usr/bin/env python3
"""The whole subset workflow side by side: `segment run` (default flags, every output written) and
the pandas + scikit-learn notebook doing the same work on the same files, one after the other, with
each side's wall clock and peak memory.

The notebook is the one people write for the "Identify Customer Segments" project: read_csv of both
files and the feature summary, the missing-or-unknown codes to NaN, the same columns dropped and the
same row split as segment's run (taken from its summary.json so both sides do the same work), the
binary and mixed columns re-encoded and the multi-level categoricals one-hot encoded (pd.get_dummies),
SimpleImputer(median), StandardScaler, PCA(30) with scikit-learn's default solver, the elbow sweep
k = 2..20 with KMeans defaults on a sample of the size segment's sweep uses, the final KMeans at
segment's chosen k with segment's n_init on every low-missing row, and the customers cleaned,
transformed, predicted and compared.

Prints one JSON line.
"""
import argparse, json, os, resource, subprocess, tempfile, time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

from notebook_steps import derive, read_summary, to_nan

ap = argparse.ArgumentParser()
ap.add_argument("--segment", required=True, help="the segment binary")
ap.add_argument("--population", required=True)
ap.add_argument("--customers", required=True)
ap.add_argument("--features", required=True)
ap.add_argument("--threads", type=int, default=os.cpu_count())
a = ap.parse_args()
out = {}

# segment first: the only child so far, so RUSAGE_CHILDREN's peak is its own.
with tempfile.TemporaryDirectory() as tmp:
    t = time.perf_counter()
    subprocess.run([a.segment, "run", "--population", a.population, "--customers", a.customers,
                    "--features", a.features, "--output", tmp + "/out", "--threads", str(a.threads), "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    out["segment_seconds"] = time.perf_counter() - t
    out["segment_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.load(open(tmp + "/out/summary.json"))
dropped = [d["name"] for d in summary["cleaning"]["droppedColumns"]]
threshold = summary["cleaning"]["assessment"]["rowThreshold"]
k = summary["kmeans"]["k"]
n_init = summary["kmeans"]["nInit"]
sweep_rows = summary["sweep"]["rows"] if summary.get("sweep") else None
out["segment_features"] = len(summary["cleaning"]["features"])

steps = {}
clock = time.perf_counter()
start = clock
def lap(name):
    global clock
    now = time.perf_counter()
    steps[name] = round(now - clock, 3)
    clock = now

azdias = pd.read_csv(a.population, sep=";")
customers = pd.read_csv(a.customers, sep=";")
lap("read_csv")

codes, kinds = read_summary(a.features)


def reencode(df):
    df = derive(df.drop(columns=[c for c in dropped if c in df]), kinds)
    multi = [c for c in df if kinds.get(c) == "categorical" and df[c].nunique() > 2]
    return pd.get_dummies(df, columns=multi, dtype=float)

azdias = to_nan(azdias, codes)
lap("codes to NaN")
row_missing = azdias.drop(columns=[c for c in dropped if c in azdias]).isna().sum(axis=1)
low = azdias[row_missing <= threshold]
lap("drop columns, split rows")
x = reencode(low)
lap("re-encode")
imputer = SimpleImputer(strategy="median")
scaler = StandardScaler()
z = scaler.fit_transform(imputer.fit_transform(x))
lap("impute, scale")
pca = PCA(n_components=30)
p = pca.fit_transform(z)
lap("PCA")
rng = np.random.default_rng(42)
sample = p[rng.choice(len(p), size=min(sweep_rows or len(p), len(p)), replace=False)]
inertias = [KMeans(n_clusters=j, random_state=42).fit(sample).inertia_ for j in range(2, 21)]
lap("elbow k=2..20")
km = KMeans(n_clusters=k, n_init=n_init, random_state=42).fit(p)
lap("final KMeans")
c = to_nan(customers.drop(columns=[col for col in customers if col not in codes]), codes)
c_missing = c.drop(columns=[col for col in dropped if col in c]).isna().sum(axis=1)
c_low = reencode(c[c_missing <= threshold]).reindex(columns=x.columns, fill_value=0)
c_labels = km.predict(pca.transform(scaler.transform(imputer.transform(c_low))))
shares = np.bincount(c_labels, minlength=k) / len(c_labels) / (np.bincount(km.labels_, minlength=k) / len(km.labels_))
lap("customers")

out["notebook_seconds"] = time.perf_counter() - start
out["notebook_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["notebook_steps"] = steps
out["notebook_features"] = x.shape[1]
out["notebook_sweep_rows"] = len(sample)
out["speedup"] = out["notebook_seconds"] / out["segment_seconds"]
out["memory_ratio"] = out["notebook_peak_mb"] / out["segment_peak_mb"]
print(json.dumps(out))
