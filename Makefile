# segment — build, test, run and benchmark. `make help` lists the targets.
#
# The pure-Swift kernels are compiled for the build machine's CPU (SWIFT_CPU=native): without it
# the compiler targets baseline x86-64 (SSE2) and the Swift backend's GEMM is ~18x slower. Set
# SWIFT_CPU=haswell (x86-64 with AVX2/FMA) for a binary to copy to other machines.

prefix     ?= /usr/local
SWIFT      ?= swift
SWIFT_CPU  ?= native
SWIFTFLAGS ?= -Xswiftc -target-cpu -Xswiftc $(SWIFT_CPU)
THREADS    ?= $(shell nproc 2>/dev/null || echo 2)

DATA       ?= data
OUT        ?= out
BENCH_OUT  ?= bench/results.jsonl

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN_DIR = $(shell $(SWIFT) build -c release $(SWIFTFLAGS) --show-bin-path)

.PHONY: help deps build test run bench install uninstall clean

help:
	@echo "make deps       install OpenBLAS and LAPACKE (Debian: libopenblas-dev liblapacke-dev) if missing"
	@echo "make build      release build of the segment tool"
	@echo "make test       install deps, build and run every test"
	@echo "make run        the whole job on data/ (generated if absent)"
	@echo "make bench      the side-by-side benchmarks; results appended to $(BENCH_OUT)"
	@echo "make install    copy segment to $(prefix)/bin   (make uninstall removes it)"
	@echo "make clean      remove build products"

# The headers are the test: if a C compiler can see <cblas.h> and <lapacke.h>, nothing is installed.
deps:
	@if printf '#include <cblas.h>\n#include <lapacke.h>\n' | cc -E -x c - >/dev/null 2>&1; then \
	  echo "deps: OpenBLAS and LAPACKE headers present"; \
	else \
	  echo "deps: installing libopenblas-dev liblapacke-dev"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libopenblas-dev liblapacke-dev; \
	fi

build: deps
	$(SWIFT) build -c release $(SWIFTFLAGS)

test: deps
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	$(SWIFT) test --skip-build $(SWIFTFLAGS)

run: build
	$(BIN_DIR)/segment bench --stages linalg --repeat 1 --results $(OUT)/linalg.jsonl

bench: build
	$(BIN_DIR)/segment bench --threads $(THREADS) --results $(BENCH_OUT)

install: build
	install -d $(DESTDIR)$(prefix)/bin
	install -m 755 $(BIN_DIR)/segment $(DESTDIR)$(prefix)/bin/segment

uninstall:
	rm -f $(DESTDIR)$(prefix)/bin/segment

clean:
	rm -rf .build
