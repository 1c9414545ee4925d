#!/usr/bin/env python3
"""The pandas side of the cleaning benchmark: steps 1-5 of the cleaning as the notebooks write
them (missing codes to NaN, column drop, row split, re-encoding with get_dummies, the engineered
mixed features), on the population and the customers. Loading is not timed. Prints JSON."""
import json, sys, time

import numpy as np
import pandas as pd

population, customers, summary = sys.argv[1:4]
feat = pd.read_csv(summary, sep=";")
azdias = pd.read_csv(population, sep=";")
cust = pd.read_csv(customers, sep=";")

def parse_codes(text):
    out = []
    for tok in text.strip("[]").split(","):
        tok = tok.strip()
        if not tok:
            continue
        try:
            out.append(int(tok))
        except ValueError:
            out.append(tok)
    return out

codes = {r.attribute: parse_codes(r.missing_or_unknown) for r in feat.itertuples()}
types = {r.attribute: r.type for r in feat.itertuples()}
PJ = {1: (1, 1), 2: (1, 0), 3: (2, 1), 4: (2, 0), 5: (3, 1), 6: (3, 0), 7: (3, 0), 8: (4, 1), 9: (4, 0),
      10: (5, 1), 11: (5, 0), 12: (5, 1), 13: (5, 0), 14: (6, 1), 15: (6, 0)}

def clean(df, drop_cols=None, threshold=None, dummies_cols=None):
    df = df.copy()
    # 1. missing codes -> NaN
    for col, cs in codes.items():
        if cs:
            vals = cs + [str(c) for c in cs]
            df[col] = df[col].where(~df[col].isin(vals))
    # 2. column drop
    if drop_cols is None:
        frac = df.isnull().mean()
        drop_cols = list(frac[frac > 0.3].index)
    df = df.drop(columns=drop_cols)
    # 3. row split
    nmiss = df.isnull().sum(axis=1)
    low = df[nmiss <= threshold].copy()
    # 4. re-encoding
    low["OST_WEST_KZ"] = low["OST_WEST_KZ"].map({"O": 0, "W": 1})
    for c in ["ANREDE_KZ", "VERS_TYP"]:
        low[c] = low[c] - 1
    multi = [c for c in low.columns if types[c] == "categorical" and low[c].nunique() > 2 and c != "CAMEO_DEU_2015"]
    low = low.drop(columns=["CAMEO_DEU_2015"])
    low = pd.get_dummies(low, columns=multi, dtype=float)
    # 5. engineered mixed features
    pj = low["PRAEGENDE_JUGENDJAHRE"]
    low["PJ_DECADE"] = pj.map({k: v[0] for k, v in PJ.items()})
    low["PJ_MOVEMENT"] = pj.map({k: v[1] for k, v in PJ.items()})
    intl = pd.to_numeric(low["CAMEO_INTL_2015"], errors="coerce")
    low["CAMEO_WEALTH"] = intl // 10
    low["CAMEO_LIFE"] = intl % 10
    w = low["WOHNLAGE"]
    low["WOHNLAGE_RURAL"] = w.isin([7, 8]).astype(float)
    low["WOHNLAGE_QUALITY"] = w.where(w.between(1, 5))
    b = low["PLZ8_BAUMAX"]
    low["PLZ8_BUSINESS"] = (b == 5).astype(float)
    low["PLZ8_FAMILY"] = b.where(b < 5)
    low = low.drop(columns=["PRAEGENDE_JUGENDJAHRE", "CAMEO_INTL_2015", "WOHNLAGE", "PLZ8_BAUMAX",
                            "LP_LEBENSPHASE_FEIN", "LP_LEBENSPHASE_GROB"])
    return low, drop_cols

start = time.perf_counter()
pop_clean, dropped = clean(azdias, threshold=28)
cus_clean, _ = clean(cust, drop_cols=dropped, threshold=28)
cus_clean = cus_clean.reindex(columns=pop_clean.columns, fill_value=0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": len(pop_clean) + len(cus_clean), "features": pop_clean.shape[1]}))
