#!/usr/bin/env python3
"""The response model side by side: on the feature matrix and the stratified folds segment wrote
(`segment train --export-features`), the same cross-validation (fold 0 held out, the others the
tuning folds) with LightGBM (early stopping on a
stratified sixth of each training part, as segment does), scikit-learn's HistGradientBoosting-
Classifier (its own early stopping) and LogisticRegression (C = 1, balanced classes, on the
median-imputed, standardised features, as segment's). Reports each fold's ROC AUC and the time to
fit on all rows, next to segment's (response_summary.json, response_run_info.json), and the
planted model's AUC from the generator's truth.json when given. Prints one JSON line."""
import argparse, json, time, warnings
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message=".*eval_set.*")

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, average_precision_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

ap = argparse.ArgumentParser()
ap.add_argument("--folder", required=True, help="segment train's output folder (with --export-features)")
ap.add_argument("--truth")
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()

x = np.load(f"{a.folder}/response_features.npy")
folds = np.loadtxt(f"{a.folder}/response_folds.csv", delimiter=",", skiprows=1, dtype=int)
y, fold = folds[:, 0], folds[:, 1]
k = fold.max() + 1
out = {"rows": int(len(y)), "positives": int(y.sum()), "features": int(x.shape[1])}

def inner_split(idx, seed):
    skf = StratifiedKFold(n_splits=6, shuffle=True, random_state=seed)
    fit, stop = next(skf.split(idx, y[idx]))
    return idx[fit], idx[stop]

def lightgbm_fit(idx, seed):
    import lightgbm as lgb
    fit, stop = inner_split(idx, seed)
    m = lgb.LGBMClassifier(n_estimators=400, learning_rate=0.05, num_leaves=15, max_depth=4, subsample=0.7, subsample_freq=1,
                           colsample_bytree=0.5, reg_lambda=1.0, class_weight="balanced", n_jobs=a.threads, verbose=-1,
                           random_state=seed)
    m.fit(x[fit], y[fit], eval_set=[(x[stop], y[stop])], eval_metric="auc",
          callbacks=[lgb.early_stopping(40, verbose=False)])
    return m

def hgb_fit(idx, seed):
    m = HistGradientBoostingClassifier(max_iter=400, learning_rate=0.05, max_depth=4, l2_regularization=1.0,
                                       early_stopping=True, validation_fraction=1 / 6, n_iter_no_change=40,
                                       scoring="roc_auc", class_weight="balanced", random_state=seed)
    return m.fit(x[idx], y[idx])

def logistic_fit(idx, seed):
    imp, sc = SimpleImputer(strategy="median"), StandardScaler()
    z = sc.fit_transform(imp.fit_transform(x[idx]))
    m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(z, y[idx])
    return lambda t: m.decision_function(sc.transform(imp.transform(t)))

models = {"lightgbm": lambda idx, s: (lambda m: (lambda t: m.predict_proba(t)[:, 1]))(lightgbm_fit(idx, s)),
          "sklearn_hgb": lambda idx, s: (lambda m: (lambda t: m.predict_proba(t)[:, 1]))(hgb_fit(idx, s)),
          "sklearn_logistic": logistic_fit}
# As segment does: fold 0 is held out; folds 1..k-1 are the tuning folds, cross-validated.
tuning, held = np.where(fold != 0)[0], np.where(fold == 0)[0]
for name, fit in models.items():
    try:
        aucs, aps = [], []
        for f in range(1, k):
            train, test = np.where((fold != f) & (fold != 0))[0], np.where(fold == f)[0]
            score = fit(train, f)(x[test])
            aucs.append(roc_auc_score(y[test], score)); aps.append(average_precision_score(y[test], score))
        held_score = fit(tuning, 0)(x[held])
        t = time.perf_counter()
        fit(np.arange(len(y)), 0)
        out[name] = {"roc_auc_mean": float(np.mean(aucs)), "roc_auc_sd": float(np.std(aucs, ddof=1)),
                     "pr_auc_mean": float(np.mean(aps)), "held_out_roc_auc": float(roc_auc_score(y[held], held_score)),
                     "fit_seconds_all_rows": time.perf_counter() - t}
    except ImportError as e:
        out[name] = {"skipped": str(e)}

summary = json.load(open(f"{a.folder}/response_summary.json"))
info = json.load(open(f"{a.folder}/response_run_info.json"))
out["segment_boosted"] = {"roc_auc_mean": summary["boostedROCAUC"]["mean"], "roc_auc_sd": summary["boostedROCAUC"]["sd"],
                          "pr_auc_mean": summary["boostedPRAUC"]["mean"], "held_out_roc_auc": summary["heldOut"]["boostedROCAUC"],
                          "chosen_settings": summary["chosenSettings"], "fit_seconds_all_rows": info["fitSecondsOnAllRows"]["boosted"]}
out["segment_logistic"] = {"roc_auc_mean": summary["logisticROCAUC"]["mean"], "roc_auc_sd": summary["logisticROCAUC"]["sd"],
                           "pr_auc_mean": summary["logisticPRAUC"]["mean"], "held_out_roc_auc": summary["heldOut"]["logisticROCAUC"],
                           "fit_seconds_all_rows": info["fitSecondsOnAllRows"]["logistic"]}
# Coefficients: scikit-learn's logistic regression on all rows, solved tightly, against segment's.
model = json.load(open(f"{a.folder}/response_model.json"))
imp, sc = SimpleImputer(strategy="median"), StandardScaler()
z = sc.fit_transform(imp.fit_transform(x))
# newton-cholesky solves exactly; lbfgs stops at its tolerance, which on these nearly collinear
# features (the PCA components are combinations of the others) leaves coefficients ~1e-4 apart.
t = time.perf_counter()
m = LogisticRegression(C=1.0, class_weight="balanced", tol=1e-12, max_iter=100000, solver="newton-cholesky").fit(z, y)
out["sklearn_logistic_newton_cholesky_fit_seconds"] = time.perf_counter() - t
ours = np.array(model["logistic"]["coefficients"])
out["logistic_coefficients_max_abs_difference"] = float(np.abs(ours - m.coef_[0]).max())
out["logistic_intercept_difference"] = float(abs(model["logistic"]["intercept"] - m.intercept_[0]))
if a.truth:
    out["planted_auc"] = json.load(open(a.truth)).get("plantedResponseAUC")
print(json.dumps(out))
