// The one door to the C libraries. Only Sources/SegmentBLAS imports this module.
// Debian: <cblas.h> resolves through the multiarch include path to OpenBLAS' pthread
// build (libopenblas-dev); Debian's OpenBLAS carries no LAPACKE symbols, so
// <lapacke.h> comes from liblapacke-dev and both libraries are linked.
#ifndef SEGMENT_COPENBLAS_SHIM_H
#define SEGMENT_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
