// The one door to Open MPI. Only Sources/SegmentMPI imports this module.
// Debian (libopenmpi-dev): <mpi.h> is found through pkg-config's ompi-c, which Package.swift names.
// Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE, ...) are macros taking the address of library
// globals, which Swift cannot import; these functions hand them over.
#ifndef SEGMENT_CMPI_SHIM_H
#define SEGMENT_CMPI_SHIM_H
#include <mpi.h>
static inline MPI_Comm segment_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype segment_mpi_byte(void) { return MPI_BYTE; }
#endif
