"""The notebook's cleaning steps that bench/notebook.py (the whole frame) and bench/scale.py (in
chunks) share: the feature summary's missing codes, and the re-encoding of the binary and mixed
columns."""
import pandas as pd

DECADE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 4, 9: 4, 10: 5, 11: 5, 12: 5, 13: 5, 14: 6, 15: 6}
MOVEMENT = {1: 1, 2: 0, 3: 1, 4: 0, 5: 1, 6: 0, 7: 0, 8: 1, 9: 0, 10: 1, 11: 0, 12: 1, 13: 0, 14: 1, 15: 0}


def parse_codes(text):
    items = [x.strip() for x in str(text).strip("[]").split(",") if x.strip()]
    return [int(x) if x.lstrip("-").isdigit() else x for x in items]


def read_summary(path):
    """Each column's missing-or-unknown codes and its type, from the feature summary file."""
    feat = pd.read_csv(path, sep=";")
    return {r.attribute: parse_codes(r.missing_or_unknown) for r in feat.itertuples()}, dict(zip(feat.attribute, feat.type))


def to_nan(df, codes):
    for col, cs in codes.items():
        if col in df and cs:
            df[col] = df[col].mask(df[col].isin(cs + [str(c) for c in cs]))
    return df


def derive(df, kinds):
    """OST_WEST_KZ as 0/1, the mixed columns split into their parts, the mixed columns dropped."""
    if "OST_WEST_KZ" in df:
        df["OST_WEST_KZ"] = df["OST_WEST_KZ"].map({"W": 1, "O": 0})
    if "PRAEGENDE_JUGENDJAHRE" in df:
        df["PRAEGENDE_JUGENDJAHRE_DECADE"] = df["PRAEGENDE_JUGENDJAHRE"].map(DECADE)
        df["PRAEGENDE_JUGENDJAHRE_MOVEMENT"] = df["PRAEGENDE_JUGENDJAHRE"].map(MOVEMENT)
    if "CAMEO_INTL_2015" in df:
        v = pd.to_numeric(df["CAMEO_INTL_2015"], errors="coerce")
        df["CAMEO_INTL_2015_WEALTH"] = v // 10
        df["CAMEO_INTL_2015_LIFE_STAGE"] = v % 10
    if "WOHNLAGE" in df:
        w = df["WOHNLAGE"]
        df["WOHNLAGE_RURAL"] = w.isin([7, 8]).astype(float).where(w.notna())
        df["WOHNLAGE_QUALITY"] = w.where(w.between(1, 5))
    if "PLZ8_BAUMAX" in df:
        b = df["PLZ8_BAUMAX"]
        df["PLZ8_BAUMAX_FAMILY"] = b.where(b.between(1, 4))
        df["PLZ8_BAUMAX_BUSINESS"] = (b == 5).astype(float).where(b.notna())
    return df.drop(columns=[c for c in df if kinds.get(c) == "mixed"])


class Laps:
    """Seconds per named step (`laps("name")` at the end of each), and since the start."""

    def __init__(self):
        import time
        self._now = time.perf_counter
        self.steps = {}
        self.start = self.clock = self._now()

    def __call__(self, name):
        now = self._now()
        self.steps[name] = round(now - self.clock, 2)
        self.clock = now

    def total(self):
        return self._now() - self.start
