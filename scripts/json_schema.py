#!/usr/bin/env python3
"""Writes a JSON Schema (draft 2020-12) that describes every given JSON file: the shape segment's
outputs have, inferred from outputs of several kinds of run (subset with --truth, without a sweep,
a variance-fraction PCA, the full layout), so that a key that is added, dropped, renamed or changes
type is a deliberate change of the schema in the repository (schemas/), checked by the tests.

    scripts/json_schema.py --title "segment summary.json" --out schemas/summary.schema.json A/summary.json B/summary.json ...

Objects list their keys (required when every sample has them) and allow no others; arrays give
their items' schema; numbers are "number" (integers included); several shapes become "anyOf"."""
import argparse, json

def infer(v):
    if isinstance(v, bool): return {"type": "boolean"}
    if isinstance(v, (int, float)): return {"type": "number"}
    if isinstance(v, str): return {"type": "string"}
    if v is None: return {"type": "null"}
    if isinstance(v, list):
        items = None
        for x in v: items = infer(x) if items is None else merge(items, infer(x))
        return {"type": "array", "items": items if items is not None else {}}
    props = {k: infer(x) for k, x in v.items()}
    return {"type": "object", "properties": props, "required": sorted(props), "additionalProperties": False}

def merge(a, b):
    if a == b: return a
    if a == {}: return b
    if b == {}: return a
    if "anyOf" in a or "anyOf" in b:
        options = a.get("anyOf", [a]) + b.get("anyOf", [b])
        out = []
        for o in options:
            for i, p in enumerate(out):
                if p.get("type") == o.get("type"): out[i] = merge(p, o); break
            else: out.append(o)
        return out[0] if len(out) == 1 else {"anyOf": out}
    if a.get("type") != b.get("type"): return {"anyOf": [a, b]}
    if a["type"] == "array": return {"type": "array", "items": merge(a["items"], b["items"])}
    if a["type"] == "object":
        keys = sorted(set(a["properties"]) | set(b["properties"]))
        props = {k: merge(a["properties"][k], b["properties"][k]) if k in a["properties"] and k in b["properties"]
                 else a["properties"].get(k) or b["properties"][k] for k in keys}
        return {"type": "object", "properties": props,
                "required": sorted(set(a["required"]) & set(b["required"])), "additionalProperties": False}
    return a

ap = argparse.ArgumentParser()
ap.add_argument("--title", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("files", nargs="+")
a = ap.parse_args()
schema = None
for f in a.files:
    s = infer(json.load(open(f)))
    schema = s if schema is None else merge(schema, s)
schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": a.title, **schema}
with open(a.out, "w") as f:
    json.dump(schema, f, indent=1, sort_keys=True)
    f.write("\n")
