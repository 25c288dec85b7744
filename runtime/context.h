// The runtime context's insides (private to libshardrt).
#pragma once

#include <string>
#include <vector>

#include "runtime/include/shardrt/shardrt.h"

class ThreadPool;

struct shardrt_context {
  int32_t rank = 0;
  int32_t worldSize = 1;
  std::string error;
  bool usesMpi = false;
  bool finalizeMpi = false;  // this context initialised MPI
  // MPI communicators (MPI_Comm, kept opaque here so that this header needs no mpi.h): [0] = the base one.
  std::vector<void*> groups;
  // A pipeline stage's context: the whole job's communicator (groups[0] is then the stage's), for transfers.
  void* job = nullptr;
  uint64_t bytesSent = 0;
  double collectiveSeconds = 0;  // time spent inside collectives
  double collectiveStart = 0;
  double computeSeconds = 0;  // time inside the program's run function (a pipeline stage's busy time)
  // Profiling: per op run, its index and its start and end (seconds on the steady clock).
  struct OpEvent {
    int32_t op;
    double start, end;
  };
  bool profiling = false;
  double opStart = 0;
  std::vector<OpEvent> events;
  ThreadPool* pool = nullptr;  // with more than one thread
};

// MPI set-up and tear-down of a context (collectives.cpp).
int shardrt_mpi_attach(shardrt_context* ctx, void* callerComm);
void shardrt_mpi_detach(shardrt_context* ctx);
// Records "rank R: WHAT failed: <MPI's message for rc>" on ctx; returns 1.
int shardrt_mpi_failed(shardrt_context* ctx, int rc, const char* what);
// Makes group 0 the communicator of this rank's pipeline stage (ranks [first, first + ranks) of the job), keeping the
// job's for transfers between stages (pipeline.cpp).
int shardrt_pipeline_attach(shardrt_context* ctx, const shardrt_pipeline* pipeline);
