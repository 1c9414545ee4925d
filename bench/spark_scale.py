#!/usr/bin/env python3
"""The Spark way on the same population (make bench-scale, bench/scale.py --spark): Spark MLlib in
local mode on this machine's cores, as a data scientist would write it for data beyond one
pandas frame.

The cleaning is the notebook's (bench/notebook_steps.py), in DataFrame expressions: the feature
summary's missing codes to null, segment's dropped columns and row threshold (from its
summary.json, as scale.py takes them), the same re-encoding of the binary and mixed columns.
Then one ML pipeline: `Imputer(median)` on the numeric columns, `StringIndexer` + `OneHotEncoder`
for the multi-level categoricals (a missing value is all zeros, as in the notebook),
`VectorAssembler`, `StandardScaler(withMean, withStd)`, `PCA(30)`, and `KMeans` at segment's k
(k-means||, seed 42). The cleaned rows are cached (memory, then disk) before the pipeline, and
KMeans persists its projected input itself, as Spark does when its input is not cached.

Prints one JSON line: seconds per step and in all, the peak memory of the Spark JVM (VmHWM) and of
this Python driver, rows, features, and the k-means training cost (the inertia, on Spark's own
projection).
"""
import argparse, json, os, resource, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from notebook_steps import DECADE, MOVEMENT, Laps, read_summary  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--population", required=True)
ap.add_argument("--features", required=True)
ap.add_argument("--summary", required=True, help="segment's summary.json: dropped columns, row threshold, k")
ap.add_argument("--threads", type=int, default=os.cpu_count())
ap.add_argument("--driver-memory", default="12g")
ap.add_argument("--max-iter", type=int, default=300, help="KMeans maxIter (segment's limit; Spark's default is 20)")
ap.add_argument("--local-dir", default=None)
a = ap.parse_args()

from pyspark.sql import SparkSession, functions as F  # noqa: E402
from pyspark import StorageLevel  # noqa: E402
from pyspark.ml import Pipeline  # noqa: E402
from pyspark.ml.feature import Imputer, StringIndexer, OneHotEncoder, VectorAssembler, StandardScaler, PCA  # noqa: E402
from pyspark.ml.clustering import KMeans  # noqa: E402

summary = json.load(open(a.summary))
dropped = {d["name"] for d in summary["cleaning"]["droppedColumns"]}
threshold = summary["cleaning"]["assessment"]["rowThreshold"]
k = summary["kmeans"]["k"]
codes, kinds = read_summary(a.features)

builder = (SparkSession.builder.master(f"local[{a.threads}]").appName("segment-bench-scale")
           .config("spark.driver.memory", a.driver_memory)
           .config("spark.sql.shuffle.partitions", str(4 * a.threads))
           .config("spark.ui.enabled", "false")
           # A text code ('W', 'X') cast to a number is null, as before Spark 4's ANSI default.
           .config("spark.sql.ansi.enabled", "false"))
if a.local_dir:
    builder = builder.config("spark.local.dir", a.local_dir)
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")

lap = Laps()


def jvm_peak_mb():
    """VmHWM of the JVM this driver started (its child java process)."""
    me, best = os.getpid(), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid != me or "java" not in open(f"/proc/{pid}/cmdline").read():
                continue
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    best = max(best, int(line.split()[1]) / 1024)
        except (OSError, ValueError, IndexError):
            continue
    return best


# Typed columns, inferred from a 2% sample (reading every column as text and casting it in the
# cleaning took 25 s per 891,221 rows for the first pass, against 16 s typed). A text code in a
# column inferred numeric ('X' in CAMEO_DEUG_2015) reads as null: every such code is a missing code.
df = spark.read.csv(a.population, sep=";", header=True, inferSchema=True, samplingRatio=0.02)
types = dict(df.dtypes)


def to_null(col):
    cs = codes.get(col) or []
    if not cs:
        return F.col(col)
    numeric = types[col] != "string"
    missing = F.col(col).isin([c for c in cs if isinstance(c, int)] if numeric else [str(c) for c in cs])
    return F.when(missing, None).otherwise(F.col(col))


df = df.select([to_null(c).alias(c) for c in df.columns if c not in dropped])
df = df.filter(sum(F.col(c).isNull().cast("int") for c in df.columns) <= threshold)


def mapped(col, table):
    m = F.create_map(*[F.lit(x) for kv in table.items() for x in kv])
    return m[F.col(col).cast("int")].cast("double")


# The notebook's re-encoding (notebook_steps.derive), as expressions.
derived = []
if "OST_WEST_KZ" in df.columns:
    derived.append(("OST_WEST_KZ", F.when(F.col("OST_WEST_KZ") == "W", 1.0).when(F.col("OST_WEST_KZ") == "O", 0.0)))
if "PRAEGENDE_JUGENDJAHRE" in df.columns:
    derived += [("PRAEGENDE_JUGENDJAHRE_DECADE", mapped("PRAEGENDE_JUGENDJAHRE", DECADE)),
                ("PRAEGENDE_JUGENDJAHRE_MOVEMENT", mapped("PRAEGENDE_JUGENDJAHRE", MOVEMENT))]
if "CAMEO_INTL_2015" in df.columns:
    v = F.col("CAMEO_INTL_2015").cast("double")
    derived += [("CAMEO_INTL_2015_WEALTH", F.floor(v / 10).cast("double")),
                ("CAMEO_INTL_2015_LIFE_STAGE", (v % 10).cast("double"))]
if "WOHNLAGE" in df.columns:
    w = F.col("WOHNLAGE").cast("double")
    derived += [("WOHNLAGE_RURAL", F.when(w.isNull(), None).otherwise(w.isin(7.0, 8.0).cast("double"))),
                ("WOHNLAGE_QUALITY", F.when(w.between(1, 5), w))]
if "PLZ8_BAUMAX" in df.columns:
    b = F.col("PLZ8_BAUMAX").cast("double")
    derived += [("PLZ8_BAUMAX_FAMILY", F.when(b.between(1, 4), b)),
                ("PLZ8_BAUMAX_BUSINESS", F.when(b.isNull(), None).otherwise((b == 5).cast("double")))]
names = [n for n, _ in derived]
df = df.select([F.col(c) for c in df.columns if c not in names and kinds.get(c) != "mixed"]
               + [e.alias(n) for n, e in derived if kinds.get(n) != "mixed"])

# Multi-level categoricals (more than two levels seen) are one-hot; the rest are numbers.
categorical = [c for c in df.columns if kinds.get(c) == "categorical"]
levels = df.select([F.countDistinct(c).alias(c) for c in categorical]).first().asDict() if categorical else {}
multi = sorted(c for c in categorical if levels[c] > 2)
plain = [c for c in df.columns if c not in multi]
df = df.select([F.col(c).cast("double").alias(c) for c in plain] + [F.col(c) for c in multi])
df.persist(StorageLevel.MEMORY_AND_DISK)
rows = df.count()
lap("read, clean, cache (and count the levels)")

stages = [Imputer(strategy="median", inputCols=plain, outputCols=[c + "_i" for c in plain])]
if multi:
    stages += [StringIndexer(inputCols=multi, outputCols=[c + "_idx" for c in multi], handleInvalid="keep",
                             stringOrderType="alphabetAsc"),
               # The indexer's last index is the missing values' bucket, and dropLast drops it:
               # a missing value is all zeros.
               OneHotEncoder(inputCols=[c + "_idx" for c in multi], outputCols=[c + "_oh" for c in multi], dropLast=True)]
stages += [VectorAssembler(inputCols=[c + "_i" for c in plain] + [c + "_oh" for c in multi], outputCol="features"),
           StandardScaler(inputCol="features", outputCol="scaled", withMean=True, withStd=True),
           PCA(k=30, inputCol="scaled", outputCol="pca")]
prep = Pipeline(stages=stages).fit(df)
projected = prep.transform(df).select("pca")
lap("Imputer, StringIndexer, OneHotEncoder, StandardScaler, PCA: fit")
kmeans = KMeans(k=k, seed=42, maxIter=a.max_iter, tol=1e-4, featuresCol="pca").fit(projected)
lap("KMeans: fit")
total = lap.total()
jvm = jvm_peak_mb()
width = prep.stages[-2].mean.size  # the StandardScaler: one mean per assembled feature
print(json.dumps({
    "spark_version": spark.version,
    "spark_seconds": total,
    "spark_steps": lap.steps,
    "spark_jvm_peak_mb": jvm,
    "spark_python_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "spark_rows": rows,
    "spark_features": width,
    "spark_k": k,
    "spark_iterations": kmeans.summary.numIter,
    "spark_inertia": kmeans.summary.trainingCost,
}))
spark.stop()
