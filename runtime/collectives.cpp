// MPI: initialisation for a context, communicators per mesh-axis group, the collectives.
#include <mpi.h>

#include <cstring>

#include "runtime/context.h"

namespace {

MPI_Comm& comm(void* p) { return *static_cast<MPI_Comm*>(p); }

bool mpiType(int32_t dtype, MPI_Datatype& t) {
  switch (dtype) {
    case SHARDRT_F32: t = MPI_FLOAT; return true;
    case SHARDRT_F64: t = MPI_DOUBLE; return true;
    case SHARDRT_I8: t = MPI_INT8_T; return true;
    case SHARDRT_I16: t = MPI_INT16_T; return true;
    case SHARDRT_I32: t = MPI_INT32_T; return true;
    case SHARDRT_I64: t = MPI_INT64_T; return true;
    case SHARDRT_U8: case SHARDRT_BOOL: t = MPI_UINT8_T; return true;
    case SHARDRT_U16: t = MPI_UINT16_T; return true;
    case SHARDRT_U32: t = MPI_UINT32_T; return true;
    case SHARDRT_U64: t = MPI_UINT64_T; return true;
    default: return false;
  }
}

// Checks the group and the type; records an error otherwise.
bool prepare(shardrt_context* ctx, int32_t group, int32_t dtype, MPI_Datatype& t, const char* what) {
  if (!ctx->usesMpi) {
    shardrt_set_error(ctx, "%s: the context was created without MPI", what);
    return false;
  }
  if (group < 0 || static_cast<size_t>(group) >= ctx->groups.size()) {
    shardrt_set_error(ctx, "%s: no group %d", what, group);
    return false;
  }
  if (comm(ctx->groups[size_t(group)]) == MPI_COMM_NULL) {
    shardrt_set_error(ctx, "%s: rank %d is not in group %d", what, ctx->rank, group);
    return false;
  }
  if (!mpiType(dtype, t)) {
    shardrt_set_error(ctx, "%s: element type %s cannot be communicated", what, shardrt_dtype_name(dtype));
    return false;
  }
  ctx->collectiveStart = MPI_Wtime();
  return true;
}

int check(shardrt_context* ctx, int rc, const char* what) {
  ctx->collectiveSeconds += MPI_Wtime() - ctx->collectiveStart;
  return rc == MPI_SUCCESS ? 0 : shardrt_mpi_failed(ctx, rc, what);
}

}  // namespace

int shardrt_mpi_failed(shardrt_context* ctx, int rc, const char* what) {
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  shardrt_set_error(ctx, "rank %d: %s failed: %s", ctx->rank, what, msg);
  return 1;
}

#if defined(__SANITIZE_ADDRESS__)
// A sanitizer build (tools/test.sh --sanitize), in every process that runs Open MPI through the runtime (generated
// executables, programs embedding a model): Open MPI unloads its components in MPI_Finalize, and LeakSanitizer's
// fast unwinder then stops at their frames, so Open MPI's own allocations, kept until exit by design, match no
// suppression in tools/lsan.supp. The slow unwinder reaches libmpi's frames. Leak checking itself stays on.
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }
#endif

// Called by shardrt_context_create when options ask for MPI.
int shardrt_mpi_attach(shardrt_context* ctx, void* callerComm) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!callerComm && !initialised) {
    if (MPI_Init(nullptr, nullptr) != MPI_SUCCESS) {
      shardrt_set_error(ctx, "MPI_Init failed");
      return 1;
    }
    ctx->finalizeMpi = true;
  } else if (!initialised) {
    shardrt_set_error(ctx, "a communicator was given but MPI is not initialised");
    return 1;
  }
  auto* base = new MPI_Comm;
  MPI_Comm_dup(callerComm ? comm(callerComm) : MPI_COMM_WORLD, base);
  // Errors come back as codes: a failing collective must not abort the process behind the caller's back.
  MPI_Comm_set_errhandler(*base, MPI_ERRORS_RETURN);
  ctx->groups.push_back(base);
  ctx->usesMpi = true;
  MPI_Comm_rank(*base, &ctx->rank);
  MPI_Comm_size(*base, &ctx->worldSize);
  return 0;
}

void shardrt_mpi_detach(shardrt_context* ctx) {
  if (ctx->job) ctx->groups.push_back(ctx->job);
  ctx->job = nullptr;
  for (void* g : ctx->groups) {
    if (comm(g) != MPI_COMM_NULL) MPI_Comm_free(&comm(g));
    delete static_cast<MPI_Comm*>(g);
  }
  ctx->groups.clear();
  if (ctx->finalizeMpi) MPI_Finalize();
}

extern "C" {

int shardrt_group_create(shardrt_context* ctx, const int64_t* mesh, int32_t meshRank, uint32_t mask, int32_t* group) {
  if (!ctx->usesMpi) {
    shardrt_set_error(ctx, "shardrt_group_create: the context was created without MPI");
    return 1;
  }
  // The mesh covers group 0: the job, or this rank's pipeline stage.
  int baseRank = 0, baseSize = 1;
  MPI_Comm_rank(comm(ctx->groups[0]), &baseRank);
  MPI_Comm_size(comm(ctx->groups[0]), &baseSize);
  int64_t total = 1;
  for (int32_t i = 0; i < meshRank; ++i) total *= mesh[i];
  if (total != baseSize) {
    shardrt_set_error(ctx, "shardrt_group_create: a mesh of %lld ranks for a %s of %d", static_cast<long long>(total),
                      ctx->job ? "pipeline stage" : "job", baseSize);
    return 1;
  }
  // Coordinates of this rank, then the colour (position on the other axes) and key (position on the masked ones).
  int64_t r = baseRank, color = 0, key = 0;
  std::vector<int64_t> c(static_cast<size_t>(meshRank));
  for (int32_t i = meshRank; i-- > 0;) {
    c[size_t(i)] = r % mesh[i];
    r /= mesh[i];
  }
  for (int32_t i = 0; i < meshRank; ++i) {
    if (mask & (1u << i)) key = key * mesh[i] + c[size_t(i)];
    else color = color * mesh[i] + c[size_t(i)];
  }
  auto* g = new MPI_Comm;
  if (check(ctx, MPI_Comm_split(comm(ctx->groups[0]), static_cast<int>(color), static_cast<int>(key), g), "MPI_Comm_split")) {
    delete g;
    return 1;
  }
  MPI_Comm_set_errhandler(*g, MPI_ERRORS_RETURN);
  ctx->groups.push_back(g);
  *group = static_cast<int32_t>(ctx->groups.size() - 1);
  return 0;
}

int shardrt_group_create_ranks(shardrt_context* ctx, const int32_t* ranks, int32_t count, int32_t* group) {
  if (!ctx->usesMpi) {
    shardrt_set_error(ctx, "shardrt_group_create_ranks: the context was created without MPI");
    return 1;
  }
  int position = -1;
  for (int32_t i = 0; i < count; ++i)
    if (ranks[i] == ctx->rank) position = i;
  auto* g = new MPI_Comm;
  int rc = MPI_Comm_split(comm(ctx->groups[0]), position >= 0 ? 0 : MPI_UNDEFINED, position, g);
  if (check(ctx, rc, "MPI_Comm_split")) {
    delete g;
    return 1;
  }
  if (*g != MPI_COMM_NULL) MPI_Comm_set_errhandler(*g, MPI_ERRORS_RETURN);
  ctx->groups.push_back(g);
  *group = static_cast<int32_t>(ctx->groups.size() - 1);
  return 0;
}

int32_t shardrt_group_size(const shardrt_context* ctx, int32_t group) {
  if (!ctx->usesMpi || group < 0 || static_cast<size_t>(group) >= ctx->groups.size()) return 0;
  if (comm(ctx->groups[size_t(group)]) == MPI_COMM_NULL) return 0;
  int n = 0;
  MPI_Comm_size(comm(ctx->groups[size_t(group)]), &n);
  return n;
}

int shardrt_all_reduce_sum(shardrt_context* ctx, int32_t group, void* buf, int64_t count, int32_t dtype) {
  return shardrt_all_reduce(ctx, group, buf, count, dtype, SHARDRT_REDUCE_SUM);
}

int shardrt_all_reduce(shardrt_context* ctx, int32_t group, void* buf, int64_t count, int32_t dtype, int32_t op) {
  MPI_Op mpiOp;
  switch (op) {
    case SHARDRT_REDUCE_SUM: mpiOp = MPI_SUM; break;
    case SHARDRT_REDUCE_MAX: mpiOp = MPI_MAX; break;
    case SHARDRT_REDUCE_MIN: mpiOp = MPI_MIN; break;
    default: shardrt_set_error(ctx, "all-reduce: no reduction %d", op); return 1;
  }
  MPI_Datatype t;
  if (!prepare(ctx, group, dtype, t, "all-reduce")) return 1;
  int n = shardrt_group_size(ctx, group);
  ctx->bytesSent += static_cast<uint64_t>(2.0 * (n - 1) / n * double(count) * double(shardrt_dtype_size(dtype)));
  return check(ctx, MPI_Allreduce(MPI_IN_PLACE, buf, static_cast<int>(count), t, mpiOp, comm(ctx->groups[size_t(group)])),
               "all-reduce");
}

int shardrt_all_gather(shardrt_context* ctx, int32_t group, const void* send, void* recv, int64_t count, int32_t dtype) {
  MPI_Datatype t;
  if (!prepare(ctx, group, dtype, t, "all-gather")) return 1;
  int n = shardrt_group_size(ctx, group);
  ctx->bytesSent += static_cast<uint64_t>((n - 1) * count) * shardrt_dtype_size(dtype);
  return check(ctx, MPI_Allgather(send, static_cast<int>(count), t, recv, static_cast<int>(count), t,
                                  comm(ctx->groups[size_t(group)])),
               "all-gather");
}

int shardrt_reduce_scatter_sum(shardrt_context* ctx, int32_t group, const void* send, void* recv, int64_t count,
                               int32_t dtype) {
  MPI_Datatype t;
  if (!prepare(ctx, group, dtype, t, "reduce-scatter")) return 1;
  int n = shardrt_group_size(ctx, group);
  ctx->bytesSent += static_cast<uint64_t>((n - 1) * count) * shardrt_dtype_size(dtype);
  return check(ctx, MPI_Reduce_scatter_block(send, recv, static_cast<int>(count), t, MPI_SUM, comm(ctx->groups[size_t(group)])),
               "reduce-scatter");
}

int shardrt_all_to_all(shardrt_context* ctx, int32_t group, const void* send, void* recv, int64_t count, int32_t dtype) {
  MPI_Datatype t;
  if (!prepare(ctx, group, dtype, t, "all-to-all")) return 1;
  int n = shardrt_group_size(ctx, group);
  ctx->bytesSent += static_cast<uint64_t>((n - 1) * count) * shardrt_dtype_size(dtype);
  return check(ctx, MPI_Alltoall(send, static_cast<int>(count), t, recv, static_cast<int>(count), t,
                                 comm(ctx->groups[size_t(group)])),
               "all-to-all");
}

int shardrt_broadcast(shardrt_context* ctx, int32_t group, void* buf, int64_t count, int32_t dtype, int32_t root) {
  MPI_Datatype t;
  if (!prepare(ctx, group, dtype, t, "broadcast")) return 1;
  if (ctx->rank == root) ctx->bytesSent += static_cast<uint64_t>(count) * shardrt_dtype_size(dtype);
  return check(ctx, MPI_Bcast(buf, static_cast<int>(count), t, root, comm(ctx->groups[size_t(group)])), "broadcast");
}

uint64_t shardrt_bytes_sent(const shardrt_context* ctx) { return ctx->bytesSent; }
double shardrt_collective_seconds(const shardrt_context* ctx) { return ctx->collectiveSeconds; }
double shardrt_compute_seconds(const shardrt_context* ctx) { return ctx->computeSeconds; }

}  // extern "C"
