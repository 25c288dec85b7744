#include <gtest/gtest.h>

#include "frontend/mindspore_layout.h"
#include "ir/error.h"
#include "passes/pass.h"
#include "passes/sharding_rules.h"
#include "tools/shardc/demo_model.h"

namespace shardc::passes {
namespace {

// The seed's MLP at batch `batch`, shape-inferred and canonical.
ir::Graph mlp(int64_t batch) {
  ir::Graph g = tools::buildDemoMlp(1);
  g.value(g.inputs()[0]).type.shape = ir::Shape({batch, 28, 28});
  runShapeInference(g);
  runCanonicalize(g);
  return g;
}

const ir::Op& opNamed(const ir::Graph& g, const std::string& name) {
  for (const auto& op : g.ops())
    if (op.name == name) return op;
  throw std::runtime_error("no op " + name);
}

// The seed example on 8 devices: layer1 ((2,1),(1,2)) gives the weight MindSpore's stored layout, dev [2,2,2]
// map [-1,1] (reference/mindspore.md §4.4), with the repeat factor as the rightmost device dim.
TEST(ShardingRules, SeedLayer1MatMulColumnParallel) {
  ir::Graph g = mlp(8);
  ShardingDecision d = applyShardingRule(g, opNamed(g, "layer1.matmul"), {{{2, 1}, {1, 2}}, 0}, 8);
  EXPECT_EQ(d.deviceMatrix.str(), "[2,1,2,2]");
  EXPECT_EQ(d.inputs[0].str(), "[8,784] over [2,1,2,2]: (0, *)");
  EXPECT_EQ(d.inputs[1].str(), "[784,512] over [2,1,2,2]: (*, 2)");
  EXPECT_EQ(d.output.str(), "[8,512] over [2,1,2,2]: (0, 2)");
  frontend::MindSporeLayout ms = frontend::layoutToMindSpore(d.inputs[1]);
  EXPECT_EQ(ms.devMatrix, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(ms.tensorMap, (std::vector<std::vector<int64_t>>{{-1}, {1}}));
}

// layer3 ((2,2),(2,1)) splits the reduction dim: the result is a partial sum along that device dim.
TEST(ShardingRules, SeedLayer3MatMulRowParallelLeavesPartialSums) {
  ir::Graph g = mlp(8);
  ShardingDecision d = applyShardingRule(g, opNamed(g, "layer3.matmul"), {{{2, 2}, {2, 1}}, 0}, 8);
  EXPECT_EQ(d.deviceMatrix.str(), "[2,2,1,2]");
  EXPECT_EQ(d.inputs[0].str(), "[8,512] over [2,2,1,2]: (0, 1)");
  EXPECT_EQ(d.inputs[1].str(), "[512,10] over [2,2,1,2]: (1, *)");
  EXPECT_EQ(d.output.str(), "[8,10] over [2,2,1,2]: (0, *) partial(1)");
  frontend::MindSporeLayout ms = frontend::layoutToMindSpore(d.inputs[1]);
  EXPECT_EQ(ms.devMatrix, (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(ms.tensorMap, (std::vector<std::vector<int64_t>>{{1}, {-1}}));
  // Ranks 2r and 2r+1 repeat the same computation (repeated calculation, rightmost device dim).
  for (int64_t r = 0; r < 8; r += 2) EXPECT_EQ(d.inputs[1].box(r), d.inputs[1].box(r + 1));
}

TEST(ShardingRules, ElementwiseFollowsBroadcasting) {
  ir::Graph g = mlp(8);
  ShardingDecision d = applyShardingRule(g, opNamed(g, "layer1.add"), {{{2, 4}, {4}}, 0}, 8);
  EXPECT_EQ(d.deviceMatrix.str(), "[2,4]");
  EXPECT_EQ(d.inputs[1].str(), "[512] over [2,4]: (1)");
  EXPECT_EQ(d.output.str(), "[8,512] over [2,4]: (0, 1)");
}

std::string ruleError(const ir::Graph& g, const std::string& op, ir::OpStrategy s, int64_t devices) {
  try {
    applyShardingRule(g, opNamed(g, op), s, devices);
  } catch (const ir::Error& e) {
    return e.what();
  }
  return "";
}

// The seed runs its example at batch 1: split two ways, that dim cannot divide.
TEST(ShardingRules, StrategiesThatDoNotFitNameTheOpDimAndNumbers) {
  ir::Graph one = mlp(1);
  EXPECT_EQ(ruleError(one, "layer1.matmul", {{{2, 1}, {1, 2}}, 0}, 8),
            "node 'layer1.matmul' (MatMul): input 0 dim 0 of size 1 does not divide into 2 parts");
  ir::Graph g = mlp(8);
  EXPECT_EQ(ruleError(g, "layer1.matmul", {{{2, 4}, {4, 2}}, 0}, 8),
            "node 'layer1.matmul' (MatMul): the strategy needs 16 devices, the job has 8");
  EXPECT_EQ(ruleError(g, "layer1.matmul", {{{2, 2}, {1, 2}}, 0}, 8),
            "node 'layer1.matmul' (MatMul): the reduction dim is split 2 ways in input 0 and 1 ways in input 1");
  EXPECT_EQ(ruleError(g, "layer1.matmul", {{{3, 1}, {1, 1}}, 0}, 8),
            "node 'layer1.matmul' (MatMul): input 0 dim 0 of size 8 does not divide into 3 parts");
  EXPECT_EQ(ruleError(g, "layer1.matmul", {{{2, 1}}, 0}, 8),
            "node 'layer1.matmul' (MatMul): the strategy has 1 input(s), the op 2");
  EXPECT_EQ(ruleError(g, "layer1.matmul", {{{2, 1}, {1, 2}}, 0}, 12),
            "");  // 4 devices of 12: a repeat of 3
  EXPECT_EQ(ruleError(g, "layer1.matmul", {{{2, 1}, {1, 2}}, 0}, 6),
            "node 'layer1.matmul' (MatMul): the strategy uses 4 devices, which does not divide the job's 6");
}

}  // namespace
}  // namespace shardc::passes
