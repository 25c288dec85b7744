// Reductions over a split axis reduce where the data lies: each rank reduces its part, one all-reduce (sum, max or
// min) combines the parts; a softmax over a split axis does both a max and a sum that way.
// Compiled for 4 ranks, run under mpirun, compared with the reference interpreter on one.
#include <gtest/gtest.h>

#include "parallel_test_util.h"

namespace shardc {
namespace {
using testing::countOps;

ir::Attributes overColumns(ir::OpKind kind) {
  ir::Attributes a;
  if (kind == ir::OpKind::Softmax) {
    a.set("axis", int64_t{-1});
  } else {
    a.set("axes", std::vector<int64_t>{1});
    a.set("keepdims", int64_t{0});
  }
  return a;
}

// x [8,6] · w [6,12] split by columns over 4 ranks, then a reduction (or softmax) over the columns, named "sum".
void runCase(const std::string& name, const ir::StrategyMap& strategy, int expectedAllReduces, bool gathersColumns,
             ir::OpKind reduce = ir::OpKind::ReduceSum, const std::string& expectedReductions = "") {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 6}});
  ir::ValueId w = g.addParam("w", testing::randomTensor(ir::DType::f32, {6, 12}, 5));
  ir::ValueId y = g.addOp1(ir::OpKind::MatMul, {x, w}, "y", {}, "mm");
  g.setOutputs({g.addOp1(reduce, {y}, "s", overColumns(reduce), "sum")});
  ir::Tensor in = testing::randomTensor(ir::DType::f32, {8, 6}, 6);
  testing::ParallelRun run = testing::compileParallelAndRun(g, strategy, 4, {in}, name);
  const std::string& irText = run.programIr;
  EXPECT_EQ(countOps(irText, "AllReduce"), expectedAllReduces) << irText;
  // Which reduction each all-reduce applies, in program order.
  std::string reductions;
  for (size_t at = irText.find(" = AllReduce("); at != std::string::npos; at = irText.find(" = AllReduce(", at + 1)) {
    size_t r = irText.find("reduce = \"", at), eol = irText.find('\n', at);
    reductions += r < eol ? irText.substr(r + 10, irText.find('"', r + 10) - r - 10) + " " : "sum ";
  }
  if (!expectedReductions.empty()) EXPECT_EQ(reductions, expectedReductions) << irText;
  if (!gathersColumns) EXPECT_EQ(countOps(irText, "AllGather"), 0) << "the columns are never gathered:\n" << irText;
  ASSERT_EQ(run.outputs.size(), 1u);
  EXPECT_EQ(tools::compareTensors(run.outputs[0], run.expected[0], {1e-5, 1e-5}), "");
}

TEST(ParallelReduction, SumOverColumnsSplitByTheMatMul) {
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  runCase("reduce_follow", s, 1, false);
}

TEST(ParallelReduction, SumWithItsOwnStrategy) {
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  // Rows over 2 ranks, the summed columns over 2: the MatMul's 4-way column split is redistributed first, the sum
  // is partial along one axis, and the rows are gathered for the output.
  s.ops["sum"] = {{{2, 2}}, 0};
  runCase("reduce_own", s, 1, true);
}

// The mean over split columns: each rank divides its part's sum by the whole count; one all-reduce adds them.
TEST(ParallelReduction, MeanOverColumnsSplitByTheMatMul) {
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  runCase("mean_follow", s, 1, false, ir::OpKind::ReduceMean);
}

// The max over split columns: each rank takes its part's max, one all-reduce (max) finishes it.
TEST(ParallelReduction, MaxAndMinOverColumnsSplitByTheMatMul) {
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  runCase("max_follow", s, 1, false, ir::OpKind::ReduceMax, "max ");
  runCase("min_follow", s, 1, false, ir::OpKind::ReduceMin, "min ");
}

// Softmax over columns split 4 ways: a max and a sum across ranks (one value per row each), never the columns
// gathered; the output is gathered once at the end.
TEST(ParallelReduction, SoftmaxOverColumnsSplitByTheMatMul) {
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  runCase("softmax_follow", s, 2, true, ir::OpKind::Softmax, "max sum ");
}

// Softmax with its own strategy: rows over 2 ranks, the softmax axis over the other 2.
TEST(ParallelReduction, SoftmaxWithItsOwnStrategySplittingBothDims) {
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  s.ops["sum"] = {{{2, 2}}, 0};
  runCase("softmax_own", s, 2, true, ir::OpKind::Softmax, "max sum ");
}

}  // namespace
}  // namespace shardc
