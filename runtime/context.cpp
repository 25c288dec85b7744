// The runtime context and its error reporting.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/context.h"
#include "runtime/weights_table.h"

#include <unistd.h>

#include "runtime/thread_pool.h"

namespace {
thread_local std::string threadError;

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// The CPUs of this rank's threads: consecutive ones from rank-on-host x threads, when every rank on the host
// fits on its own cores; none (the system places them) otherwise. Open MPI says where a rank sits on its host.
std::vector<int> cpusFor(const shardrt_context& ctx, int threads) {
  int localRank = envInt("OMPI_COMM_WORLD_LOCAL_RANK", ctx.usesMpi ? ctx.rank : 0);
  int localSize = envInt("OMPI_COMM_WORLD_LOCAL_SIZE", ctx.usesMpi ? ctx.worldSize : 1);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (localSize < 1 || long(localSize) * threads > cpus) return {};
  std::vector<int> out;
  for (int t = 0; t < threads; ++t) out.push_back(localRank * threads + t);
  return out;
}
}  // namespace

extern "C" {

size_t shardrt_dtype_size(int32_t dtype) { return shardrt::dtypeBytes(dtype); }

const char* shardrt_dtype_name(int32_t dtype) {
  static const char* names[] = {"?", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "bool", "f16", "bf16"};
  return dtype >= 1 && dtype <= 13 ? names[dtype] : names[0];
}

int shardrt_context_create(const shardrt_options* options, shardrt_context** out) {
  auto* ctx = new shardrt_context();
  *out = nullptr;
  if (options && options->use_mpi) {
    if (shardrt_mpi_attach(ctx, options->mpi_comm) != 0) {
      threadError = ctx->error;
      delete ctx;
      return 1;
    }
  } else if (options) {
    ctx->rank = options->rank;
    ctx->worldSize = options->world_size > 0 ? options->world_size : 1;
  }
  if (options && options->threads > 1) ctx->pool = new ThreadPool(options->threads, cpusFor(*ctx, options->threads));
  *out = ctx;
  return 0;
}

void shardrt_context_destroy(shardrt_context* ctx) {
  if (!ctx) return;
  delete ctx->pool;
  if (ctx->usesMpi) shardrt_mpi_detach(ctx);
  delete ctx;
}

int32_t shardrt_rank(const shardrt_context* ctx) { return ctx ? ctx->rank : 0; }
int32_t shardrt_world_size(const shardrt_context* ctx) { return ctx ? ctx->worldSize : 1; }
int32_t shardrt_threads(const shardrt_context* ctx) { return ctx && ctx->pool ? ctx->pool->threads() : 1; }

void shardrt_parallel(shardrt_context* ctx, void (*task)(const void*, int64_t, int64_t), const void* args) {
  if (ctx && ctx->pool) ctx->pool->run(task, args);
  else task(args, 0, 1);
}

const char* shardrt_last_error(const shardrt_context* ctx) {
  return ctx ? ctx->error.c_str() : threadError.c_str();
}

void shardrt_set_error(shardrt_context* ctx, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  (ctx ? ctx->error : threadError) = buf;
}

}  // extern "C"
