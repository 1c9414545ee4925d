#!/usr/bin/env python3
"""The full capstone layout side by side: what a pandas + scikit-learn notebook does with the
366-column files (read both CSVs and the DIAS Values xlsx, recode the unknown codes to NaN, fix the
mixed CAMEO columns and the dates, drop columns over 30% missing and rows over 50 missing, one-hot
the text categoricals, impute medians, standardise, PCA to 30 components, k-means at k with
n_init=3, map the customers, compare the shares), timed step by step with its peak memory.

With --segment-out (a `segment run --export-matrices` folder on the same files) it also checks
that scikit-learn agrees with segment on segment's own matrices: PCA eigenvalues of the imputed,
standardised cleaned matrix against summary.json (relative difference), and KMeans inertia at
segment's k with segment's nInit on segment's projected matrix.

Prints one JSON line.
"""
import argparse, json, os, resource, subprocess, time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

ap = argparse.ArgumentParser()
ap.add_argument("--population", required=True)
ap.add_argument("--customers", required=True)
ap.add_argument("--values-xlsx", required=True)
ap.add_argument("--k", type=int, default=8)
ap.add_argument("--segment-out")
ap.add_argument("--skip-notebook", action="store_true")
ap.add_argument("--segment", help="the segment binary: time `segment run --export-matrices` on the same files first "
                "(its matrices then feed the agreement checks)")
a = ap.parse_args()
out = {}

if a.segment:
    a.segment_out = a.segment_out or ".build/bench-full-out"
    # Timed as the notebook is: the run alone, no matrices written (the export run below feeds the
    # agreement checks and is not timed).
    t = time.perf_counter()
    subprocess.run([a.segment, "run", "--population", a.population, "--customers", a.customers, "--output", a.segment_out,
                    "--force", "--quiet", "--k", str(a.k)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t
    info = json.load(open(os.path.join(a.segment_out, "run_info.json")))
    out["segment"] = {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                      "stages": info.get("stageSeconds")}
    subprocess.run([a.segment, "run", "--population", a.population, "--customers", a.customers, "--output", a.segment_out,
                    "--force", "--quiet", "--export-matrices", "--k", str(a.k)], check=True, stdout=subprocess.DEVNULL)

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

if not a.skip_notebook:
    t0 = time.perf_counter()
    steps = {}
    def lap(name, t=[t0]):
        now = time.perf_counter(); steps[name] = now - t[0]; t[0] = now

    azdias = pd.read_csv(a.population, sep=";", low_memory=False)
    customers = pd.read_csv(a.customers, sep=";", low_memory=False)
    customers = customers.drop(columns=["PRODUCT_GROUP", "CUSTOMER_GROUP", "ONLINE_PURCHASE"])
    lap("load")
    attrs = pd.read_excel(a.values_xlsx, header=1, usecols="B:E")
    attrs["Attribute"] = attrs["Attribute"].ffill()
    unknown = {}
    for _, r in attrs[attrs["Meaning"].astype(str).str.contains("unknown|no classification possible")].iterrows():
        codes = [int(c) for c in str(r["Value"]).replace("'", "").split(",") if c.strip().lstrip("-").isdigit()]
        name = str(r["Attribute"]).strip()
        unknown.setdefault(name, []).extend(codes)
    spelling = {"D19_BUCH_CD": "D19_BUCH_RZ", "CAMEO_INTL_2015": "CAMEO_DEUINTL_2015", "KK_KUNDENTYP": "D19_KK_KUNDENTYP",
                "KBA13_CCM_1401_2500": "KBA13_CCM_1400_2500", "SOHO_KZ": "SOHO_FLAG"}
    lap("metadata")

    def recode(df):
        df = df.drop(columns=["LNR"])
        df[["CAMEO_DEUG_2015", "CAMEO_INTL_2015"]] = df[["CAMEO_DEUG_2015", "CAMEO_INTL_2015"]].replace(["X", "XX"], np.nan).astype(float)
        df["CAMEO_DEU_2015"] = df["CAMEO_DEU_2015"].replace("XX", np.nan)
        for col in df.columns:
            codes = unknown.get(col) or unknown.get(col + "_RZ") or unknown.get(spelling.get(col, ""))
            if codes:
                df[col] = df[col].mask(df[col].isin(codes))
        df["GEBURTSJAHR"] = df["GEBURTSJAHR"].replace(0, np.nan)
        df["EINGEFUEGT_AM"] = pd.to_datetime(df["EINGEFUEGT_AM"]).dt.year
        df["OST_WEST_KZ"] = df["OST_WEST_KZ"].map({"O": 0, "W": 1})
        return df

    azdias = recode(azdias)
    customers = recode(customers)
    keep = azdias.columns[azdias.isnull().mean() <= 0.30]
    azdias, customers = azdias[keep], customers[keep]
    pop_high = azdias.isnull().sum(axis=1) > 50
    cus_high = customers.isnull().sum(axis=1) > 50
    azdias, customers = azdias[~pop_high], customers[~cus_high]
    text = [c for c in ["CAMEO_DEU_2015", "D19_LETZTER_KAUF_BRANCHE"] if c in keep]
    azdias = pd.get_dummies(azdias, columns=text, dtype=float)
    customers = pd.get_dummies(customers, columns=text, dtype=float).reindex(columns=azdias.columns, fill_value=0)
    lap("clean")
    imputer, scaler = SimpleImputer(strategy="median"), StandardScaler()
    x = scaler.fit_transform(imputer.fit_transform(azdias))
    xc = scaler.transform(imputer.transform(customers))
    lap("impute and scale")
    pca = PCA(n_components=30, svd_solver="full")
    z = pca.fit_transform(x)
    zc = pca.transform(xc)
    lap("PCA")
    km = KMeans(n_clusters=a.k, n_init=3, random_state=0).fit(z)
    labels_c = km.predict(zc)
    lap("k-means")
    pop_share = np.bincount(km.labels_, minlength=a.k) / len(km.labels_)
    cus_share = np.bincount(labels_c, minlength=a.k) / len(labels_c)
    lap("compare")
    out["notebook"] = {"seconds": sum(steps.values()), "steps": steps, "peak_mb": peak_mb(),
                       "features": int(x.shape[1]), "rows": int(x.shape[0]),
                       "ratios": [float(c / p) if p > 0 else 0 for c, p in zip(cus_share, pop_share)]}
    del azdias, customers, x, xc, z, zc

if "segment" in out and "notebook" in out:
    out["speedup"] = out["notebook"]["seconds"] / out["segment"]["seconds"]
    out["memory_ratio"] = out["notebook"]["peak_mb"] / out["segment"]["peak_mb"]

if a.segment_out:
    summary = json.load(open(f"{a.segment_out}/summary.json"))
    cleaned = np.load(f"{a.segment_out}/population_cleaned.npy")
    x = StandardScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(cleaned))
    del cleaned
    cov = np.cov(x, rowvar=False)
    del x
    eig = np.sort(np.linalg.eigvalsh(cov))[::-1]
    ours = np.array([c["explainedVariance"] for c in summary["pca"]["perComponent"]])
    n = len(ours)
    rel = np.abs(ours - eig[:n]) / eig[:n]
    out["eigenvalues_max_relative_difference"] = float(rel.max())
    z = np.load(f"{a.segment_out}/population_pca.npy")
    k, n_init = summary["kmeans"]["k"], summary["kmeans"]["nInit"]
    sk = KMeans(n_clusters=k, n_init=n_init, random_state=0).fit(z)
    out["inertia_segment"] = float(summary["kmeans"]["inertia"])
    out["inertia_sklearn"] = float(sk.inertia_)
    out["inertia_ratio"] = out["inertia_segment"] / out["inertia_sklearn"]
print(json.dumps(out))
