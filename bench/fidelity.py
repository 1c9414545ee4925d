#!/usr/bin/env python3
"""The fidelity benchmark: does `segment run` find what was planted?

For every planted k and seed, `segment generate --planted-segments K` writes a population and a
customer file with known segments (truth.json: which are over- and under-represented among
customers), and `segment run` is run on them with its defaults. Reported per data set and in total:

- the k the default rule picks against the planted k (target: within +-1 in >= 80% of data sets);
- how many planted over/under-represented segments the default run reports as such (target: >= 90%):
  a planted segment counts as found when most of its low-missing people fall in segments the run
  labels the same way;
- the ARI against the planted segments at the default k and at the planted k (`--k`, which skips the
  sweep), next to scikit-learn's pipeline (SimpleImputer, StandardScaler, PCA, KMeans n_init = the
  tool's) on the same cleaned matrix with the same k, and the tool's k-means inertia against
  scikit-learn's best of the same number of seeds on the tool's projection;
- every criterion of the sweep per k (inertia, silhouette, Calinski-Harabasz, customer information),
  written to the results file, so that candidate rules for k can be compared on the same evidence
  (`--rules` prints that comparison).

  bench/fidelity.py --segment .build/release/segment --work /tmp/fidelity [--ks 4-16] [--seeds 1,2,3]
                    [--rows 100000] [--no-sklearn] [--rules] [--results bench/fidelity.jsonl]

Needs numpy and scikit-learn for the scikit-learn columns (make bench's virtualenv has them);
without them those columns are left out.
"""
import argparse, csv, json, math, os, shutil, subprocess, sys, time
from collections import Counter, defaultdict


def ari(a, b):
    """Adjusted Rand index (Hubert & Arabie), as sklearn.metrics.adjusted_rand_score."""
    n = len(a)
    table = Counter(zip(a, b))
    ra, rb = Counter(a), Counter(b)
    c2 = lambda x: x * (x - 1) / 2
    index = sum(c2(v) for v in table.values())
    sa, sb = sum(c2(v) for v in ra.values()), sum(c2(v) for v in rb.values())
    expected = sa * sb / c2(n)
    maximum = (sa + sb) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def read_groups(path):
    """Each row's segment from an assignments file (`cluster`; -1 for high-missing rows)."""
    with open(path) as f:
        r = csv.reader(f)
        at = next(r).index("cluster")
        return [int(row[at]) for row in r]


def read_truth_rows(path):
    with open(path) as f:
        next(f)
        return [int(line.split(";")[1]) for line in f]


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def found_segments(truth, planted_rows, groups, representation):
    """Planted over/under segments, and those whose low-missing people mostly sit in segments the run
    labels the same way."""
    by_planted = defaultdict(Counter)
    for seg, g in zip(planted_rows, groups):
        if g >= 0:
            by_planted[seg][representation[g]] += 1
    out = []
    for s in truth["segments"]:
        if s["representation"] in ("over", "under"):
            counts = by_planted[s["id"]]
            total = sum(counts.values())
            out.append((s["id"], s["representation"], total > 0 and counts[s["representation"]] > total / 2))
    return out


def sklearn_side(cleaned_npy, pca_npy, k, n_init, seed):
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler
    x = np.load(cleaned_npy)
    z = PCA(n_components=30, svd_solver="full").fit_transform(
        StandardScaler().fit_transform(SimpleImputer(strategy="median").fit_transform(x)))
    labels = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(z)
    # The same k-means on the tool's own projection: its best inertia over n_init seeds.
    tool_z = np.load(pca_npy)
    inertia = min(KMeans(n_clusters=k, n_init=1, random_state=seed + i).fit(tool_z).inertia_ for i in range(n_init))
    return [int(v) for v in labels], float(inertia)


def rules():
    """Candidate rules for k: each maps a sweep (points sorted by k) to a k."""
    def knee(points):
        ks = [p["k"] for p in points]
        ys = [p["inertia"] for p in points]
        lo, hi = min(ys), max(ys)
        best, bd = ks[0], -1e300
        for k, y in zip(ks, ys):
            d = (1 - (k - ks[0]) / (ks[-1] - ks[0])) - (y - lo) / (hi - lo)
            if d > bd:
                best, bd = k, d
        return best

    def argmax(key):
        return lambda pts: max((p for p in pts if p.get(key) is not None), key=lambda p: p[key])["k"]

    def plateau(share):
        def rule(pts):
            top = max(p["customerInformation"] for p in pts)
            return min(p["k"] for p in pts if p["customerInformation"] >= share * top)
        return rule

    def plateau_gain(eps):
        # The last k whose information gain over every smaller k is at least eps of the maximum.
        def rule(pts):
            top = max(p["customerInformation"] for p in pts)
            best = pts[0]["k"]
            running = pts[0]["customerInformation"]
            for p in pts[1:]:
                if p["customerInformation"] > running + eps * top:
                    best = p["k"]
                running = max(running, p["customerInformation"])
            return best
        return rule

    out = {"knee (inertia)": knee, "silhouette max": argmax("silhouette"),
           "Calinski-Harabasz max": argmax("calinskiHarabasz")}
    for s in (0.8, 0.9, 0.95, 0.98):
        out[f"information reaches {int(s * 100)}% of its max"] = plateau(s)
    for e in (0.02, 0.05, 0.1):
        out[f"information gain >= {int(e * 100)}% of max"] = plateau_gain(e)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--segment", default=".build/release/segment")
    ap.add_argument("--work", default="/tmp/segment-fidelity")
    ap.add_argument("--ks", default="4-16")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--no-sklearn", action="store_true")
    ap.add_argument("--rules", action="store_true", help="compare candidate rules for k on the recorded sweeps")
    ap.add_argument("--results", default=None, help="append one JSON line per data set")
    ap.add_argument("--run-flags", default="", help="extra flags for segment run")
    ap.add_argument("--keep", action="store_true", help="keep each data set and its outputs (about 280 MB each)")
    ap.add_argument("--rules-only", metavar="JSONL", help="only compare the rules on a results file")
    a = ap.parse_args()
    if a.rules_only:
        compare_rules([json.loads(line) for line in open(a.rules_only)])
        return
    lo, _, hi = a.ks.partition("-")
    ks = range(int(lo), int(hi or lo) + 1)
    seeds = [int(s) for s in a.seeds.split(",")]
    sklearn = not a.no_sklearn
    if sklearn:
        try:
            import numpy, sklearn as _  # noqa: F401
        except ImportError:
            sklearn = False
            print("(numpy/scikit-learn not found: the scikit-learn columns are left out)", file=sys.stderr)

    rows = []
    header = "planted seed | default k | ARI default | sklearn ARI default | ARI planted | sklearn ARI planted | inertia / sklearn best (default k) | over/under found"
    print(header)
    for k in ks:
        for seed in seeds:
            data = os.path.join(a.work, f"k{k}-s{seed}")
            shutil.rmtree(data, ignore_errors=True)   # generate keeps no subfolders of an old run
            run([a.segment, "generate", "-o", data, "--force", "--planted-segments", str(k), "--seed", str(seed),
                 "--population-rows", str(a.rows), "--customer-rows", str(a.rows // 4)])
            truth = json.load(open(os.path.join(data, "truth.json")))
            planted = read_truth_rows(os.path.join(data, "truth_population.csv"))
            record = {"plantedK": k, "seed": seed, "rows": a.rows}
            for name, extra in (("default", ["--export-matrices"]), ("planted", ["--k", str(k), "--export-matrices"])):
                out = os.path.join(data, "out-" + name)
                run([a.segment, "run", "--population", os.path.join(data, "azdias.csv"),
                     "--customers", os.path.join(data, "customers.csv"), "-o", out, "--force", "--quiet"]
                    + extra + a.run_flags.split())
                summary = json.load(open(os.path.join(out, "summary.json")))
                groups = read_groups(os.path.join(out, "population_assignments.csv"))
                low = [(g, t) for g, t in zip(groups, planted) if g >= 0]
                rep = {g["cluster"]: g["representation"] for g in summary["segments"]["groups"] if g.get("cluster") is not None}
                found = found_segments(truth, planted, groups, rep)
                record[name] = {"k": summary["kmeans"]["k"], "ari": ari([x for x, _ in low], [t for _, t in low]),
                                "inertia": summary["kmeans"]["inertia"], "nInit": summary["kmeans"]["nInit"],
                                "found": found}
                if name == "default":
                    record["sweep"] = summary["sweep"]["points"] if summary.get("sweep") else []
                if sklearn:
                    kk = summary["kmeans"]["k"]
                    labels, best = sklearn_side(os.path.join(out, "population_cleaned.npy"),
                                                os.path.join(out, "population_pca.npy"), kk, summary["kmeans"]["nInit"], seed)
                    record["sklearn" if name == "planted" else "sklearnDefault"] = {
                        "k": kk, "ari": ari(labels, [t for _, t in low]), "inertia": best}
            d, p = record["default"], record["planted"]
            found = sum(f[2] for f in d["found"])
            sk = record.get("sklearn")
            skd = record.get("sklearnDefault")
            print(f"{k:7d} {seed:4d} | {d['k']:9d} | {d['ari']:11.3f} | "
                  + (f"{skd['ari']:18.3f}" if skd else f"{'':18s}") + f" | {p['ari']:11.3f} | "
                  + (f"{sk['ari']:19.3f} | {d['inertia'] / skd['inertia']:34.4f}" if sk else f"{'':19s} | {'':34s}")
                  + f" | {found}/{len(d['found'])}", flush=True)
            rows.append(record)
            if not a.keep:
                shutil.rmtree(data, ignore_errors=True)
            if a.results:
                with open(a.results, "a") as f:
                    f.write(json.dumps(record) + "\n")

    n = len(rows)
    within = sum(abs(r["default"]["k"] - r["plantedK"]) <= 1 for r in rows)
    total_found = sum(sum(f[2] for f in r["default"]["found"]) for r in rows)
    total_planted = sum(len(r["default"]["found"]) for r in rows)
    print(f"\ndefault k within +-1 of the planted k: {within}/{n} ({100 * within / n:.0f}%)")
    print(f"planted over/under segments reported as such by the default run: {total_found}/{total_planted} "
          f"({100 * total_found / max(1, total_planted):.0f}%)")
    print(f"mean ARI: default k {sum(r['default']['ari'] for r in rows) / n:.3f}, planted k "
          f"{sum(r['planted']['ari'] for r in rows) / n:.3f}"
          + (f"; scikit-learn at the default k {sum(r['sklearnDefault']['ari'] for r in rows) / n:.3f}, "
             f"at the planted k {sum(r['sklearn']['ari'] for r in rows) / n:.3f}" if sklearn else ""))
    if sklearn:
        for key, name in (("default", "sklearnDefault"), ("planted", "sklearn")):
            below = sum(r[key]["ari"] < r[name]["ari"] - 1e-9 for r in rows)
            print(f"ARI below scikit-learn's at the {key} k: {below}/{n}")
    if sklearn:
        for key, name in (("default", "sklearnDefault"), ("planted", "sklearn")):
            worse = sum(r[key]["inertia"] > r[name]["inertia"] * (1 + 1e-6) for r in rows)
            print(f"inertia above scikit-learn's best of the same seeds count, at the {key} k: {worse}/{n}")
    if a.rules:
        compare_rules(rows)


def compare_rules(rows):
    if True:
        print("\nrule: share of data sets with k within +-1 (exact)")
        for name, rule in rules().items():
            picks = [(rule(r["sweep"]), r["plantedK"]) for r in rows if r["sweep"]]
            ok = sum(abs(x - y) <= 1 for x, y in picks)
            exact = sum(x == y for x, y in picks)
            print(f"  {name:40s} {ok}/{len(picks)} ({exact})")


if __name__ == "__main__":
    main()
