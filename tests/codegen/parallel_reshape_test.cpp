// Splits that survive a Reshape stay split: a column-parallel MatMul's [8,12] output reshaped into heads [8,4,3]
// keeps the heads on their ranks (no gather before the reshape), on 2 and 4 ranks, against the interpreter.
#include <gtest/gtest.h>

#include "parallel_test_util.h"

namespace shardc {
namespace {
using testing::countOps;

void headsCase(int ranks, const std::string& name) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 6}});
  ir::ValueId w = g.addParam("w", testing::randomTensor(ir::DType::f32, {6, 12}, 5));
  ir::ValueId y = g.addOp1(ir::OpKind::MatMul, {x, w}, "y", {}, "mm");
  ir::Attributes shape;
  shape.set("shape", std::vector<int64_t>{8, 4, 3});
  ir::ValueId heads = g.addOp1(ir::OpKind::Reshape, {y}, "heads", shape, "split_heads");
  ir::Attributes last;
  last.set("axis", int64_t{-1});
  g.setOutputs({g.addOp1(ir::OpKind::Softmax, {heads}, "p", last, "attn")});
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, ranks}}, 0};
  testing::ParallelRun run = testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {8, 6}, 6)}, name);
  // The reshape is local ([8,12/r] -> [8,4/r,3]), the softmax over the whole head dim needs nothing, and the only
  // collective is the output's gather.
  EXPECT_NE(run.programIr.find("Reshape(%y) {shape = [8, " + std::to_string(4 / ranks) + ", 3]}"), std::string::npos)
      << run.programIr;
  EXPECT_EQ(countOps(run.programIr, "AllGather"), 1) << run.programIr;
  EXPECT_EQ(countOps(run.programIr, "AllToAll") + countOps(run.programIr, "AllReduce"), 0) << run.programIr;
  ASSERT_EQ(run.outputs.size(), 1u);
  EXPECT_EQ(tools::compareTensors(run.outputs[0], run.expected[0], {1e-5, 1e-5}), "");
}

TEST(ParallelReshape, HiddenSplitMovesToHeadsOn2Ranks) { headsCase(2, "heads2"); }
TEST(ParallelReshape, HiddenSplitMovesToHeadsOn4Ranks) { headsCase(4, "heads4"); }

}  // namespace
}  // namespace shardc
