// Runs under mpirun: every collective of libshardrt on groups along the axes of a [2,2] mesh, checked exactly for
// f32 and i64. Prints one line per failure and exits 1 on any; the ctest wrapper runs it on 4 ranks.
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/include/shardrt/shardrt.h"

namespace {
int failures = 0;
int rank = 0;

template <typename T>
void expectEq(const std::vector<T>& got, const std::vector<T>& want, const char* what) {
  if (got == want) return;
  ++failures;
  std::fprintf(stderr, "rank %d: %s differs\n", rank, what);
}

template <typename T>
void checkType(shardrt_context* ctx, int32_t dtype, int32_t rowGroup, int32_t colGroup) {
  const char* name = shardrt_dtype_name(dtype);
  // Mesh [2,2]: rank = 2*row + col. rowGroup varies the column (axis 1): ranks {2row, 2row+1}.
  int row = rank / 2, col = rank % 2;
  std::vector<T> v = {T(rank + 1), T(10 * (rank + 1))};
  shardrt_all_reduce_sum(ctx, rowGroup, v.data(), 2, dtype);
  T s = T(2 * row + 1 + 2 * row + 2);
  expectEq(v, {s, T(10 * s)}, name);

  std::vector<T> mine = {T(rank), T(rank + 100)}, all(4);
  shardrt_all_gather(ctx, colGroup, mine.data(), all.data(), 2, dtype);
  expectEq(all, {T(col), T(col + 100), T(2 + col), T(2 + col + 100)}, name);

  // Reduce-scatter over the whole job: each rank sends [r, r, r, r] * (k+1) for slot k, keeps slot `rank`.
  std::vector<T> send(4), kept(1);
  for (int k = 0; k < 4; ++k) send[size_t(k)] = T((rank + 1) * (k + 1));
  shardrt_reduce_scatter_sum(ctx, 0, send.data(), kept.data(), 1, dtype);
  expectEq(kept, {T(10 * (rank + 1))}, name);

  // All-to-all along the row: element k goes to member k.
  std::vector<T> out = {T(rank * 10), T(rank * 10 + 1)}, in(2);
  shardrt_all_to_all(ctx, rowGroup, out.data(), in.data(), 1, dtype);
  expectEq(in, {T((2 * row) * 10 + col), T((2 * row + 1) * 10 + col)}, name);

  std::vector<T> b = {T(rank == 3 ? 42 : 0)};
  shardrt_broadcast(ctx, 0, b.data(), 1, dtype, 3);
  expectEq(b, {T(42)}, name);
}
}  // namespace

int main() {
  shardrt_options o{0, 1, 1, nullptr, 1};
  shardrt_context* ctx = nullptr;
  if (shardrt_context_create(&o, &ctx) != 0) {
    std::fprintf(stderr, "%s\n", shardrt_last_error(nullptr));
    return 1;
  }
  rank = shardrt_rank(ctx);
  if (shardrt_world_size(ctx) != 4) {
    std::fprintf(stderr, "needs 4 ranks\n");
    return 1;
  }
  const int64_t mesh[] = {2, 2};
  int32_t rowGroup = -1, colGroup = -1;
  shardrt_group_create(ctx, mesh, 2, 1u << 1, &rowGroup);
  shardrt_group_create(ctx, mesh, 2, 1u << 0, &colGroup);
  if (shardrt_group_size(ctx, rowGroup) != 2 || shardrt_group_size(ctx, colGroup) != 2) ++failures;
  checkType<float>(ctx, SHARDRT_F32, rowGroup, colGroup);
  checkType<int64_t>(ctx, SHARDRT_I64, rowGroup, colGroup);
  // Errors come back as codes with a message, never an abort.
  float x = 0;
  if (shardrt_all_reduce_sum(ctx, 99, &x, 1, SHARDRT_F32) == 0 || std::string(shardrt_last_error(ctx)) != "all-reduce: no group 99") {
    ++failures;
    std::fprintf(stderr, "rank %d: bad group accepted: %s\n", rank, shardrt_last_error(ctx));
  }
  // Ring accounting of what this rank sent: all-reduce 2*(1/2)*8 B, all-gather 8 B, reduce-scatter 3*4 B,
  // all-to-all 4 B per type (f32 and i64 sizes).
  uint64_t want = (8 + 8 + 12 + 4) + (16 + 16 + 24 + 8) + (rank == 3 ? 4 + 8 : 0);
  if (shardrt_bytes_sent(ctx) != want) {
    ++failures;
    std::fprintf(stderr, "rank %d: bytes sent %llu, expected %llu\n", rank, (unsigned long long)shardrt_bytes_sent(ctx),
                 (unsigned long long)want);
  }
  shardrt_context_destroy(ctx);
  if (failures == 0 && rank == 0) std::printf("collectives: ok\n");
  return failures ? 1 : 0;
}
