#!/usr/bin/env python3
"""The pandas side of the load benchmark: read the files the way the notebooks do and report the
time and this process's peak memory as JSON (one line), for `segment bench` to put side by side."""
import json, resource, sys, time

import pandas as pd

files = sys.argv[1:]
start = time.perf_counter()
frames = [pd.read_csv(f, sep=";") for f in files]
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "peakRSS": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "rows": sum(len(f) for f in frames),
    "pandas": pd.__version__,
}))
