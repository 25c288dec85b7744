#include <chrono>
#include <numeric>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "passes/redistribution.h"
#include "passes/redistribution_simulator.h"

namespace shardc::passes {
namespace {

ir::TensorLayout layout(ir::Shape shape, ir::DeviceMesh mesh, std::vector<std::vector<int>> dims,
                        std::vector<int> partial = {}) {
  ir::TensorLayout l;
  l.shape = std::move(shape);
  l.mesh = std::move(mesh);
  l.dimAxes = std::move(dims);
  l.partialAxes = std::move(partial);
  l.validate("test");
  return l;
}

TEST(Redistribution, SplitDim0ToDim1IsOneAllToAll) {
  auto from = layout({8, 8}, ir::DeviceMesh({4}), {{0}, {}});
  auto to = layout({8, 8}, ir::DeviceMesh({4}), {{}, {0}});
  RedistPlan p = planRedistribution(from, to, 4);
  ASSERT_EQ(p.steps.size(), 1u) << p.str();
  EXPECT_EQ(p.steps[0].str(), "all-to-all axis 0: dim 0 -> dim 1, 48 B/rank");  // 64 B local, 3/4 of it sent
}

TEST(Redistribution, PartialToSplitIsOneReduceScatter) {
  auto from = layout({8, 8}, ir::DeviceMesh({2}), {{}, {}}, {0});
  auto to = layout({8, 8}, ir::DeviceMesh({2}), {{0}, {}});
  RedistPlan p = planRedistribution(from, to, 4);
  ASSERT_EQ(p.steps.size(), 1u) << p.str();
  EXPECT_EQ(p.steps[0].str(), "reduce-scatter axis 0: dim 0, 128 B/rank");
}

TEST(Redistribution, PartialToReplicatedIsOneAllReduce) {
  auto from = layout({4, 4}, ir::DeviceMesh({2, 2}), {{1}, {}}, {0});
  auto to = layout({4, 4}, ir::DeviceMesh({2, 2}), {{1}, {}});
  RedistPlan p = planRedistribution(from, to, 4);
  ASSERT_EQ(p.steps.size(), 1u) << p.str();
  EXPECT_EQ(p.steps[0].kind, RedistKind::AllReduce);
  EXPECT_EQ(p.steps[0].axis, 0);
}

TEST(Redistribution, ReplicatedToSplitMovesNoBytes) {
  auto from = layout({8, 8}, ir::DeviceMesh({2, 4}), {{}, {}});
  auto to = layout({8, 8}, ir::DeviceMesh({2, 4}), {{1}, {0}});
  RedistPlan p = planRedistribution(from, to, 4);
  ASSERT_EQ(p.steps.size(), 2u) << p.str();
  for (const auto& s : p.steps) {
    EXPECT_EQ(s.kind, RedistKind::Split);
    EXPECT_EQ(s.bytesPerRank, 0);
  }
  EXPECT_TRUE(planRedistribution(from, from, 4).steps.empty());
}

TEST(Redistribution, NoStepCreatesPartialSums) {
  auto partial = layout({4}, ir::DeviceMesh({2}), {{}}, {0});
  auto whole = layout({4}, ir::DeviceMesh({2}), {{}});
  EXPECT_TRUE(planRedistribution(partial, partial, 4).steps.empty());
  try {
    planRedistribution(whole, partial, 4);
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "redistribution: no way from [4] over [2]: (*) to [4] over [2]: (*) partial(0) (no step creates partial sums)");
  }
}

// Every pair of layouts of small tensors on small meshes (partial sources included), planned, simulated on the
// mesh's ranks and compared with the global tensor, exactly.
TEST(Redistribution, EveryPlanIsExactOnEveryPairOfLayouts) {
  auto start = std::chrono::steady_clock::now();
  const std::vector<std::vector<int64_t>> meshes = {{1}, {2}, {4}, {8}, {2, 2}, {2, 4}, {2, 2, 2}};
  size_t pairs = 0;
  for (const auto& m : meshes) {
    ir::DeviceMesh mesh(m);
    for (const ir::Shape& shape : {ir::Shape({8}), ir::Shape({4, 8}), ir::Shape({4, 2, 4})}) {
      std::vector<double> global(static_cast<size_t>(shape.numElements()));
      std::iota(global.begin(), global.end(), 1.0);
      RedistributionPlanner planner(shape, mesh, 4);
      std::vector<ir::TensorLayout> sources = enumerateLayouts(shape, mesh, /*withPartial=*/true);
      std::vector<ir::TensorLayout> targets = enumerateLayouts(shape, mesh, /*withPartial=*/false);
      for (const auto& from : sources) {
        std::vector<LocalBlock> blocks = distribute(global, from, 7);
        for (const auto& to : targets) {
          RedistPlan plan = planner.plan(from, to);
          std::vector<LocalBlock> after = simulate(plan, from, blocks);
          ++pairs;
          for (int64_t r = 0; r < mesh.numRanks(); ++r) {
            std::vector<double> want = extractBox(global, shape, to.box(r));
            ASSERT_EQ(after[size_t(r)].values, want)
                << "mesh " << mesh.str() << " " << from.str() << " -> " << to.str() << " rank " << r << ": "
                << plan.str();
          }
        }
      }
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("pairs", static_cast<int>(pairs));
  std::printf("%zu layout pairs planned and simulated in %.1f s\n", pairs, seconds);
  EXPECT_GT(pairs, 10000u);
}

}  // namespace
}  // namespace shardc::passes

namespace shardc::passes {
namespace {

// [8,6] split on rows over 2 ranks reshaped to [4,12]: each rank's 24 contiguous elements stay where they are.
TEST(Redistribution, RowSplitReshapeIsLocal) {
  auto from = layout({8, 6}, ir::DeviceMesh({2}), {{0}, {}});
  auto to = layout({4, 12}, ir::DeviceMesh({2}), {{0}, {}});
  RedistPlan p = planReshapeRedistribution(from, to, 4);
  ASSERT_EQ(p.steps.size(), 1u) << p.str();
  EXPECT_EQ(p.steps[0].str(), "reshape to [2,12]");
}

// [4,6] with its columns split 2 ways reshaped to [4,2,3] (a hidden dim into heads): the split moves to the heads,
// no traffic.
TEST(Redistribution, HiddenSplitIntoHeadsIsLocal) {
  auto from = layout({4, 6}, ir::DeviceMesh({2}), {{}, {0}});
  auto to = layout({4, 2, 3}, ir::DeviceMesh({2}), {{}, {0}, {}});
  RedistPlan p = planReshapeRedistribution(from, to, 4);
  ASSERT_EQ(p.steps.size(), 1u) << p.str();
  EXPECT_EQ(p.steps[0].str(), "reshape to [4,1,3]");
}

// Between every pair of layouts of [4,8] and [8,4] (and [2,16] and [32], heads split out of a hidden dim, and
// two dims merged), reshape plans are exact.
TEST(Redistribution, ReshapePlansAreExact) {
  for (const auto& m : std::vector<std::vector<int64_t>>{{2}, {4}, {2, 2}}) {
    ir::DeviceMesh mesh(m);
    for (auto [s1, s2] : std::vector<std::pair<ir::Shape, ir::Shape>>{{ir::Shape({4, 8}), ir::Shape({8, 4})},
                                                                      {ir::Shape({2, 16}), ir::Shape({32})},
                                                                      {ir::Shape({4, 6}), ir::Shape({4, 2, 3})},
                                                                      {ir::Shape({2, 4, 3}), ir::Shape({8, 3})}}) {
      std::vector<double> global(size_t(s1.numElements()));
      std::iota(global.begin(), global.end(), 1.0);
      for (const auto& from : enumerateLayouts(s1, mesh, true))
        for (const auto& to : enumerateLayouts(s2, mesh, false)) {
          RedistPlan plan = planReshapeRedistribution(from, to, 4);
          std::vector<LocalBlock> after = simulate(plan, from, distribute(global, from, 3));
          for (int64_t r = 0; r < mesh.numRanks(); ++r)
            ASSERT_EQ(after[size_t(r)].values, extractBox(global, s2, to.box(r)))
                << from.str() << " -> " << to.str() << ": " << plan.str();
        }
    }
  }
}

}  // namespace
}  // namespace shardc::passes
