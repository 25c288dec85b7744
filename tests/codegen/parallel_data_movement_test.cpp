// Transpose and Concat keep the splits they can: a transpose moves each split with its dim, a concat keeps the
// splits of the dims it does not join. Compiled for 4 ranks, run under mpirun, against the interpreter.
#include <gtest/gtest.h>

#include "parallel_test_util.h"

namespace shardc {
namespace {
using testing::countOps;

int collectives(const std::string& ir) {
  return countOps(ir, "AllGather") + countOps(ir, "AllToAll") + countOps(ir, "AllReduce") + countOps(ir, "ReduceScatter");
}

// y = x · w with w's columns over 4 ranks, then yᵀ: the column split becomes a row split, and the only collective
// is the output's gather along rows.
TEST(ParallelDataMovement, TransposeMovesTheSplitWithItsDim) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 6}});
  ir::ValueId w = g.addParam("w", testing::randomTensor(ir::DType::f32, {6, 12}, 5));
  ir::ValueId y = g.addOp1(ir::OpKind::MatMul, {x, w}, "y", {}, "mm");
  ir::Attributes perm;
  perm.set("perm", std::vector<int64_t>{1, 0});
  g.setOutputs({g.addOp1(ir::OpKind::Transpose, {y}, "t", perm, "tr")});
  ir::StrategyMap s;
  s.ops["MatMul_w"] = {{{1, 1}, {1, 4}}, 0};
  auto run = testing::compileParallelAndRun(g, s, 4, {testing::randomTensor(ir::DType::f32, {8, 6}, 6)}, "transpose");
  EXPECT_NE(run.programIr.find("Transpose(%y) {perm = [1, 0]} loc(\"tr\") : f32[3,8]"), std::string::npos) << run.programIr;
  EXPECT_EQ(collectives(run.programIr), 1) << run.programIr;
  EXPECT_NE(run.programIr.find("AllGather(%t.sharded) {axes = [0], bytes = 288, dim = 0"), std::string::npos) << run.programIr;
  EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-5, 1e-5}), "");
}

// Two data-parallel matmuls (rows over 4 ranks) joined along columns: the rows stay split through the concat.
// Joined along rows instead, the row split must be gathered first; both are exact.
void concatCase(int64_t axis, int expectedCollectives, const std::string& name) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 6}});
  ir::ValueId a = g.addOp1(ir::OpKind::MatMul, {x, g.addParam("wa", testing::randomTensor(ir::DType::f32, {6, 3}, 7))}, "a", {}, "mma");
  ir::ValueId b = g.addOp1(ir::OpKind::MatMul, {x, g.addParam("wb", testing::randomTensor(ir::DType::f32, {6, 3}, 8))}, "b", {}, "mmb");
  ir::Attributes at;
  at.set("axis", axis);
  g.setOutputs({g.addOp1(ir::OpKind::Concat, {a, b}, "c", at, "cat")});
  ir::StrategyMap s;
  s.ops["MatMul_wa"] = {{{4, 1}, {1, 1}}, 0};
  s.ops["MatMul_wb"] = {{{4, 1}, {1, 1}}, 0};
  auto run = testing::compileParallelAndRun(g, s, 4, {testing::randomTensor(ir::DType::f32, {8, 6}, 9)}, name);
  EXPECT_EQ(collectives(run.programIr), expectedCollectives) << run.programIr;
  EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-5, 1e-5}), "");
}

TEST(ParallelDataMovement, ConcatKeepsTheSplitsOfOtherDims) { concatCase(1, 1, "concat_cols"); }
TEST(ParallelDataMovement, ConcatAlongASplitDimGathersItFirst) { concatCase(0, 2, "concat_rows"); }

}  // namespace
}  // namespace shardc
