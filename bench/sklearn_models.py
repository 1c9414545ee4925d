#!/usr/bin/env python3
"""The scikit-learn side of the models benchmark, on the same matrices segment used (written as
.npy by `segment bench`): SimpleImputer + StandardScaler on the cleaned population, one Lloyd
iteration at k = 10 and 20, and the k sweep 2..20 (n_init=1) on the PCA-reduced population.
Prints one JSON line."""
import json, sys, time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

cleaned_path, reduced_path, kmax = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {}

x = np.load(cleaned_path)
t = time.perf_counter()
y = StandardScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(x))
out["impute_scale"] = time.perf_counter() - t
del x, y

z = np.load(reduced_path)
for k in (10, 20):
    init = KMeans(n_clusters=k, n_init=1, max_iter=1, random_state=0).fit(z[:20000]).cluster_centers_
    best = 1e9
    for _ in range(3):
        t = time.perf_counter()
        KMeans(n_clusters=k, init=init, n_init=1, max_iter=1, algorithm="lloyd").fit(z)
        best = min(best, time.perf_counter() - t)
    out[f"lloyd_{k}"] = best

inertia = {}
iterations = 0
t = time.perf_counter()
for k in range(2, kmax + 1):
    m = KMeans(n_clusters=k, n_init=1, random_state=0, algorithm="lloyd").fit(z)
    inertia[k] = float(m.inertia_)
    iterations += int(m.n_iter_)
out["sweep"] = time.perf_counter() - t
out["inertia"] = inertia
out["iterations"] = iterations
print(json.dumps(out))
