#!/usr/bin/env python3
"""The response benchmark over several seeds: each seed is its own `segment train --seed S` (its own
stratified folds, search and subsampling) and `bench/response.py` on that seed's folds, so every
model is cross-validated on the same folds as segment within a seed. One seed's fold split moves a
ROC AUC by about 0.01 on 532 positives, more than the gaps being measured; this prints, per model,
the mean over seeds of the cross-validated and held-out ROC AUC and of the fit time, with their
spread across seeds, as one JSON line. Arguments: the per-seed JSON lines of response.py."""
import json, statistics, sys

runs = [json.load(open(p)) for p in sys.argv[1:]]
out = {"seeds": len(runs), "rows": runs[0]["rows"], "positives": runs[0]["positives"], "features": runs[0]["features"]}
for name in ("segment_boosted", "lightgbm", "sklearn_hgb", "segment_logistic", "sklearn_logistic"):
    got = [r[name] for r in runs if name in r and "skipped" not in r[name]]
    if not got:
        continue
    def stat(key):
        v = [g[key] for g in got]
        return {"mean": statistics.fmean(v), "sd_across_seeds": statistics.stdev(v) if len(v) > 1 else 0.0,
                "per_seed": v}
    out[name] = {"cv_roc_auc": stat("roc_auc_mean"), "held_out_roc_auc": stat("held_out_roc_auc"),
                 "fit_seconds_all_rows": stat("fit_seconds_all_rows")}
for key in ("logistic_coefficients_max_abs_difference", "sklearn_logistic_newton_cholesky_fit_seconds", "planted_auc"):
    vals = [r[key] for r in runs if r.get(key) is not None]
    if vals:
        out[key] = max(vals) if key.endswith("difference") else statistics.fmean(vals)
print(json.dumps(out))
