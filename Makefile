# segment — build, test, run and benchmark. `make help` lists the targets.
#
# `make run`, `make bench` and `make test` compile the pure-Swift kernels for the build machine's CPU
# (SWIFT_CPU=native): without it the compiler targets baseline x86-64 (SSE2) and the Swift backend's
# GEMM is ~18x slower. `make install` builds a portable binary instead (INSTALL_CPU=haswell: any
# x86-64 with AVX2/FMA, Haswell or Zen 1 and later), in its own scratch folder.

prefix     ?= /usr/local
SWIFT      ?= swift
SWIFT_CPU  ?= native
SWIFTFLAGS ?= -Xswiftc -target-cpu -Xswiftc $(SWIFT_CPU)
INSTALL_CPU ?= haswell
INSTALLFLAGS = -c release --scratch-path .build-install -Xswiftc -target-cpu -Xswiftc $(INSTALL_CPU)
THREADS    ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON     ?= python3
# Tests build optimised (-c release, with -enable-testing for @testable) in their own scratch
# folder, so `make test` and `make run` do not invalidate each other's builds.
TESTFLAGS  ?= -c release --scratch-path .build-test -Xswiftc -enable-testing
VENV       := .build-venv

# LAYOUT=subset: the 85-column files; LAYOUT=full: the 366-column capstone files with the DIAS xlsx.
LAYOUT     ?= subset
SEED       ?= 42
ifeq ($(LAYOUT),full)
DATA       ?= data-full
OUT        ?= out-full
POPULATION ?= $(DATA)/Udacity_AZDIAS_052018.csv
CUSTOMERS  ?= $(DATA)/Udacity_CUSTOMERS_052018.csv
else
DATA       ?= data
OUT        ?= out
# Your own files: make run POPULATION=... CUSTOMERS=... [FEATURES=...]
POPULATION ?= $(DATA)/azdias.csv
CUSTOMERS  ?= $(DATA)/customers.csv
endif
FEATURES   ?=
RUNFLAGS   ?=
BENCH_OUT  ?= bench/results.jsonl

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN_DIR = $(shell $(SWIFT) build -c release $(SWIFTFLAGS) --show-bin-path)

.PHONY: help deps browser-deps build test data run bench bench-notebook bench-scale bench-full bench-response fidelity torture fuzz fuzz-build install uninstall clean report-shots

help:
	@echo "make deps       install what the build needs if missing (Debian: $(DEB_PACKAGES))"
	@echo "make build      release build of the segment tool"
	@echo "make test       install deps, build and run every test"
	@echo "make run        the whole job on data/ (generated if absent); report in out/report.html"
	@echo "                make run LAYOUT=full: the 366-column capstone files in data-full/ (generated if absent)"
	@echo "                make run POPULATION=... CUSTOMERS=... [FEATURES=...] for your own files"
	@echo "make bench      the side-by-side benchmarks; results appended to $(BENCH_OUT); then make fidelity"
	@echo "make bench-scale  $(SCALE_ROWS) rows (time per row against the default data's in-memory run): segment alone, with --memory-limit and under mpirun, against scikit-learn's partial_fit estimators (25-55 min; SPARK=1 adds Spark MLlib)"
	@echo "make bench-full the full capstone layout against pandas + scikit-learn on the same files (~16 GB)"
	@echo "make bench-response  segment train against LightGBM and scikit-learn on the same features and folds, over seeds $(RESPONSE_SEEDS)"
	@echo "make report-shots  screenshots of $(OUT)/report.html at 400 and 1400 px in $(OUT)/shots (headless Chromium), with the layout check"
	@echo "make torture    the hostile corpus (~580 cases) and signals at many moments of a run: never a mixed report, a leftover or a crash"
	@echo "make fidelity   planted segments at k = $(FIDELITY_KS), seeds $(FIDELITY_SEEDS): does the default run find them?"
	@echo "make fuzz       run the libFuzzer targets ($(FUZZ_SECONDS) s each; FUZZ_SECONDS=...)"
	@echo "make install    a portable ($(INSTALL_CPU)) segment in $(prefix)/bin   (make uninstall removes it)"
	@echo "make clean      remove build products"

# The headers are the test: if a C compiler can see <cblas.h>, <lapacke.h> and <zlib.h> (the zip
# container of the DIAS .xlsx files, through CompressNIO and ZIPFoundation), libxml2 is there (Foundation's XML
# parser) and pkg-config finds Open MPI with its mpirun (`mpirun -np N segment run`), nothing is installed.
DEB_PACKAGES := libopenblas-dev liblapacke-dev zlib1g-dev libxml2 libopenmpi-dev openmpi-bin pkg-config
deps:
	@if printf '#include <cblas.h>\n#include <lapacke.h>\n#include <zlib.h>\n' | cc -E -x c - >/dev/null 2>&1 \
	    && ldconfig -p 2>/dev/null | grep -q 'libxml2\.so\.2' \
	    && pkg-config --exists ompi-c 2>/dev/null && command -v mpirun >/dev/null; then \
	  echo "deps: OpenBLAS, LAPACKE, zlib, libxml2 and Open MPI present"; \
	else \
	  echo "deps: installing $(DEB_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEB_PACKAGES); \
	fi

build: deps
	$(SWIFT) build -c release $(SWIFTFLAGS) --product segment

# The report's browser test (Tests/segmentTests/ReportBrowserTests.swift) renders it in Debian's
# chromium: installed here when missing. Where it cannot be (no package network), the test is
# skipped and says so; nothing else needs it.
browser-deps:
	@command -v chromium >/dev/null || { echo "deps: installing chromium (for the report's browser test)"; \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 $(SUDO) apt-get install -y -qq chromium; } \
	  || echo "deps: chromium could not be installed: the report's browser test will be skipped"; }

test: deps browser-deps
	$(SWIFT) build --build-tests $(TESTFLAGS) $(SWIFTFLAGS)
	$(SWIFT) test --skip-build $(TESTFLAGS) $(SWIFTFLAGS)
	@# The hostile corpus's cheap cases through the tested build (one verdict line per case: shown on a failure).
	@bash scripts/hostile.sh $$($(SWIFT) build $(TESTFLAGS) $(SWIFTFLAGS) --show-bin-path)/segment --cheap > .build-test/hostile.log \
	  || { cat .build-test/hostile.log; exit 1; }; tail -1 .build-test/hostile.log

# The default data set: generated once, at full size, from the published facts.
$(DATA)/azdias.csv:
	$(BIN_DIR)/segment generate --output $(DATA) --seed $(SEED)

data: build $(DATA)/azdias.csv

# The default data is generated only when the default paths are used and it is missing.
DEFAULT_POPULATION = $(if $(filter full,$(LAYOUT)),$(DATA)/Udacity_AZDIAS_052018.csv,$(DATA)/azdias.csv)
run: build
	@if [ "$(POPULATION)" = "$(DEFAULT_POPULATION)" ] && [ ! -f "$(DEFAULT_POPULATION)" ]; then \
	  $(BIN_DIR)/segment generate --layout $(LAYOUT) --output $(DATA) --seed $(SEED); fi
	$(BIN_DIR)/segment run --population "$(POPULATION)" --customers "$(CUSTOMERS)" \
	  $(if $(FEATURES),--features "$(FEATURES)") --output $(OUT) --force $(RUNFLAGS)

# pandas and scikit-learn for the side-by-side figures, in a private virtualenv (PyPI).
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q pandas scikit-learn openpyxl || rm -rf $(VENV)

# The benchmarks are their own executable (segment-bench), not part of the shipped tool.
bench: build $(DATA)/azdias.csv
	$(SWIFT) build -c release $(SWIFTFLAGS) --product segment-bench
	-@$(MAKE) --no-print-directory $(VENV)/bin/python
	$(BIN_DIR)/segment-bench run --threads $(THREADS) --data $(DATA) --results $(BENCH_OUT) \
	  $$( [ -x $(VENV)/bin/python ] && echo --python $(VENV)/bin/python )
	@$(MAKE) --no-print-directory bench-notebook
	@$(MAKE) --no-print-directory fidelity

# The whole workflow side by side (bench/notebook.py): `segment run` with default flags, every output
# written, then the pandas + scikit-learn notebook doing the same work on the same files, with both
# wall clocks and peak memories. One JSON line appended to $(BENCH_OUT).
bench-notebook: build $(DATA)/azdias.csv
	@$(MAKE) --no-print-directory $(VENV)/bin/python
	@echo '{"benchmark": "whole workflow against the notebook", "date": "'$$(date -u +%FT%TZ)'", "result": '"$$($(VENV)/bin/python bench/notebook.py \
	  --segment $(BIN_DIR)/segment --population "$(POPULATION)" --customers "$(CUSTOMERS)" --features "$(or $(FEATURES),$(DATA)/feature_summary.csv)" --threads $(THREADS))"'}' | tee -a $(BENCH_OUT)

# A population beyond the notebook (bench/scale.py): SCALE_ROWS generated once into SCALE_DATA; first
# segment run on the default DATA in memory (the time per row the 20 M-row runs are compared with), then
# segment run in one process, again with --memory-limit SCALE_MEMORY_LIMIT, under mpirun -np
# SCALE_PROCESSES, and the scikit-learn way for data beyond memory (pandas chunks, StandardScaler /
# IncrementalPCA / MiniBatchKMeans partial_fit), with each side's time, peak memory and inertia;
# SPARK=1 adds Spark MLlib in local mode (pyspark from PyPI, Java 17). One JSON line appended to
# $(BENCH_OUT). Long: 25-55 minutes (as this machine's speed goes) and 17 GB of memory at the default 20 M rows, and Spark
# about 5 minutes per million rows on 2 cores (docs/scale.md).
SCALE_ROWS         ?= 20000000
SCALE_DATA         ?= .build/scale-$(SCALE_ROWS)
SCALE_PROCESSES    ?= 2
SCALE_MEMORY_LIMIT ?= 2G
SPARK              ?=
bench-scale: build $(DATA)/azdias.csv
	@$(MAKE) --no-print-directory $(VENV)/bin/python
	$(if $(SPARK),$(VENV)/bin/pip install -q pyspark)
	@[ -f $(SCALE_DATA)/azdias.csv ] || $(BIN_DIR)/segment generate --output $(SCALE_DATA) --seed $(SEED) --population-rows $(SCALE_ROWS)
	@echo '{"benchmark": "scale", "date": "'$$(date -u +%FT%TZ)'", "rows": $(SCALE_ROWS), "result": '"$$($(VENV)/bin/python bench/scale.py \
	  --segment $(BIN_DIR)/segment --data $(SCALE_DATA) --reference $(DATA) --processes $(SCALE_PROCESSES) --memory-limit '$(SCALE_MEMORY_LIMIT)' \
	  $(if $(SPARK),--spark))"'}' | tee -a $(BENCH_OUT)

# The full capstone layout side by side (bench/full_layout.py): segment run against a pandas +
# scikit-learn notebook doing the same steps on the same generated files, then scikit-learn's PCA
# eigenvalues and k-means inertia on segment's own exported matrices. One JSON line appended to
# $(BENCH_OUT). Needs ~16 GB of memory for the pandas side at full size.
FULL_DATA ?= data-full
bench-full: build
	@[ -f "$(FULL_DATA)/Udacity_AZDIAS_052018.csv" ] || $(BIN_DIR)/segment generate --layout full --output $(FULL_DATA) --seed $(SEED)
	@$(MAKE) --no-print-directory $(VENV)/bin/python
	@echo '{"benchmark": "full layout", "date": "'$$(date -u +%FT%TZ)'", "result": '"$$($(VENV)/bin/python bench/full_layout.py \
	  --segment $(BIN_DIR)/segment --population $(FULL_DATA)/Udacity_AZDIAS_052018.csv \
	  --customers $(FULL_DATA)/Udacity_CUSTOMERS_052018.csv --values-xlsx '$(FULL_DATA)/DIAS Attributes - Values 2017.xlsx' \
	  --k 8 --segment-out .build/bench-full-out)"'}' | tee -a $(BENCH_OUT)

# The response model side by side (bench/response.py): segment train on the generated MAILOUT_TRAIN,
# then LightGBM, scikit-learn's HistGradientBoosting and LogisticRegression on segment's exported
# feature matrix with the same stratified folds. One JSON line appended to $(BENCH_OUT).
# Each seed is its own segment train (folds, search, subsampling) and the peers on its folds; one
# seed's fold split moves a ROC AUC by about 0.01, so the comparison is the mean over the seeds.
RESPONSE_SEEDS ?= 1 2 3
bench-response: build
	@[ -f "$(FULL_DATA)/Udacity_AZDIAS_052018.csv" ] || $(BIN_DIR)/segment generate --layout full --output $(FULL_DATA) --seed $(SEED)
	@$(MAKE) --no-print-directory $(VENV)/bin/python
	$(VENV)/bin/pip install -q lightgbm
	@for s in $(RESPONSE_SEEDS); do \
	  $(BIN_DIR)/segment train --train $(FULL_DATA)/Udacity_MAILOUT_052018_TRAIN.csv --population $(FULL_DATA)/Udacity_AZDIAS_052018.csv \
	    --customers $(FULL_DATA)/Udacity_CUSTOMERS_052018.csv --output .build/bench-response-s$$s --force --quiet --export-features \
	    --threads $(THREADS) --seed $$s || exit 1; \
	  $(VENV)/bin/python bench/response.py --folder .build/bench-response-s$$s --truth $(FULL_DATA)/truth.json \
	    --threads $(THREADS) > .build/bench-response-s$$s/peers.json || exit 1; \
	done
	@echo '{"benchmark": "response model", "date": "'$$(date -u +%FT%TZ)'", "result": '"$$($(VENV)/bin/python bench/response_seeds.py \
	  $(foreach s,$(RESPONSE_SEEDS),.build/bench-response-s$(s)/peers.json))"'}' | tee -a $(BENCH_OUT)

# The report as a reader sees it, on a phone and a desktop: headless Chromium (Debian's chromium,
# installed here if missing; not a build dependency) renders $(OUT)/report.html, checks no chart is
# wider than the window, and writes screenshots to $(OUT)/shots.
report-shots:
	@[ -f "$(OUT)/report.html" ] || $(MAKE) --no-print-directory run
	@$(MAKE) --no-print-directory browser-deps
	bash scripts/report-check.sh $(OUT)/report.html $(OUT)/shots

# The hostile corpus (scripts/hostile.sh: malformed files, flags, output places, tampered models,
# files cut short while read; one verdict line per case), then signals at many moments of
# `segment run --force` (scripts/torture.sh). `make test` runs the corpus's cheap cases.
TORTURE_TRIALS ?= 200
torture: build
	bash scripts/hostile.sh $(BIN_DIR)/segment
	bash scripts/torture.sh $(BIN_DIR)/segment $(TORTURE_TRIALS)

# The fidelity benchmark (bench/fidelity.py): generated data with planted segments at several k,
# the default run's k, ARI and over/under findings against the truth, next to scikit-learn's.
FIDELITY_KS    ?= 4-16
FIDELITY_SEEDS ?= 1,2,3
FIDELITY_ROWS  ?= 100000
FIDELITY_OUT   ?= bench/fidelity.jsonl
fidelity: build
	-@$(MAKE) --no-print-directory $(VENV)/bin/python
	$$( [ -x $(VENV)/bin/python ] && echo $(VENV)/bin/python || echo $(PYTHON) ) bench/fidelity.py \
	  --segment $(BIN_DIR)/segment --work .build/fidelity --ks $(FIDELITY_KS) --seeds $(FIDELITY_SEEDS) \
	  --rows $(FIDELITY_ROWS) --rules --results $(FIDELITY_OUT)

# libFuzzer targets for the CSV reader, the feature-summary parser, the xlsx reader and model files, with AddressSanitizer.
# Crashing inputs land in Tests/Fixtures/fuzz/ (kept as regression fixtures).
FUZZ_SECONDS ?= 600
# Optimised with AddressSanitizer: the debug build ran the CSV target 2.3x slower. -detect_leaks=0 on every
# target: libFuzzer ran LeakSanitizer after each input whose allocations did not balance (Dispatch's
# worker pool, Foundation's XMLParser errors), which made the CSV target ~10x slower (86 against 812
# inputs a second); AddressSanitizer's checks of every access stay on.
FUZZFLAGS := -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
FUZZ_BIN = $(shell $(SWIFT) build $(FUZZFLAGS) --show-bin-path)

fuzz-build: deps
	$(SWIFT) build $(FUZZFLAGS) --product fuzz-csv
	$(SWIFT) build $(FUZZFLAGS) --product fuzz-summary
	$(SWIFT) build $(FUZZFLAGS) --product fuzz-xlsx
	$(SWIFT) build $(FUZZFLAGS) --product fuzz-model

fuzz: fuzz-build
	mkdir -p .build-fuzz/corpus-csv .build-fuzz/corpus-summary .build-fuzz/corpus-xlsx .build-fuzz/corpus-model
	$(FUZZ_BIN)/fuzz-csv -max_total_time=$(FUZZ_SECONDS) -max_len=16384 -detect_leaks=0 -artifact_prefix=Tests/Fixtures/fuzz/csv- \
	  .build-fuzz/corpus-csv Tests/Fixtures/fuzz/seeds-csv
	$(FUZZ_BIN)/fuzz-summary -max_total_time=$(FUZZ_SECONDS) -detect_leaks=0 -artifact_prefix=Tests/Fixtures/fuzz/summary- \
	  .build-fuzz/corpus-summary Tests/Fixtures/fuzz/seeds-summary
	@# (For xlsx also because Foundation's XMLParser leaks the CFError it builds for malformed XML:
	@# _CFErrorCreateFromXMLInterface, 432 bytes per bad document, not ours to fix.)
	@# ASAN_OPTIONS too: otherwise the leak check at exit reports libxml2's leak and writes it as a crash of the empty input.
	ASAN_OPTIONS=detect_leaks=0 $(FUZZ_BIN)/fuzz-xlsx -max_total_time=$(FUZZ_SECONDS) -detect_leaks=0 -artifact_prefix=Tests/Fixtures/fuzz/xlsx- \
	  .build-fuzz/corpus-xlsx Tests/Fixtures/fuzz/seeds-xlsx
	$(FUZZ_BIN)/fuzz-model -max_total_time=$(FUZZ_SECONDS) -detect_leaks=0 -max_len=65536 -dict=Tests/Fixtures/fuzz/json.dict \
	  -artifact_prefix=Tests/Fixtures/fuzz/model- .build-fuzz/corpus-model Tests/Fixtures/fuzz/seeds-model

install: deps
	$(SWIFT) build $(INSTALLFLAGS) --product segment
	install -d $(DESTDIR)$(prefix)/bin
	install -m 755 $$($(SWIFT) build $(INSTALLFLAGS) --show-bin-path)/segment $(DESTDIR)$(prefix)/bin/segment

uninstall:
	rm -f $(DESTDIR)$(prefix)/bin/segment

clean:
	rm -rf .build .build-test .build-fuzz .build-install
