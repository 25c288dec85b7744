// The runtime's thread pool: every run calls each part exactly once with the pool's part count, the caller
// doing part 0; runs follow each other without a lost or repeated part; shardrt_parallel without threads runs
// one part.
#include <gtest/gtest.h>

#include <array>
#include <atomic>

#include "runtime/include/shardrt/shardrt.h"
#include "runtime/thread_pool.h"

namespace {

struct Counts {
  std::array<std::atomic<int>, 8> hits{};
  std::atomic<int> wrongParts{0};
  int expectedParts = 0;
};

void countPart(const void* args, int64_t part, int64_t parts) {
  auto* c = static_cast<Counts*>(const_cast<void*>(args));
  if (parts != c->expectedParts) c->wrongParts.fetch_add(1);
  c->hits[size_t(part)].fetch_add(1);
}

TEST(ThreadPool, EveryPartRunsOncePerRun) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads, {});
    ASSERT_EQ(pool.threads(), threads);
    Counts c;
    c.expectedParts = threads;
    constexpr int kRuns = 300;
    for (int r = 0; r < kRuns; ++r) pool.run(&countPart, &c);
    EXPECT_EQ(c.wrongParts.load(), 0);
    for (int p = 0; p < 8; ++p) EXPECT_EQ(c.hits[size_t(p)].load(), p < threads ? kRuns : 0) << threads << " threads";
  }
}

TEST(ThreadPool, AContextRunsItsPartsThroughShardrtParallel) {
  for (int threads : {0, 1, 3}) {
    shardrt_options options{0, 1, 0, nullptr, threads};
    shardrt_context* ctx = nullptr;
    ASSERT_EQ(shardrt_context_create(&options, &ctx), 0);
    int expected = threads > 1 ? threads : 1;
    EXPECT_EQ(shardrt_threads(ctx), expected);
    Counts c;
    c.expectedParts = expected;
    for (int r = 0; r < 100; ++r) shardrt_parallel(ctx, &countPart, &c);
    EXPECT_EQ(c.wrongParts.load(), 0);
    for (int p = 0; p < expected; ++p) EXPECT_EQ(c.hits[size_t(p)].load(), 100);
    shardrt_context_destroy(ctx);
  }
}

}  // namespace
