// lower-split-reductions, read as IR: a softmax and a max over an axis split across ranks, after partition.
#include <gtest/gtest.h>

#include "ir/parser.h"
#include "ir/printer.h"
#include "passes/assign_strategies.h"
#include "passes/parallel_plan.h"

namespace shardc::passes {
namespace {

std::string partitioned(const std::string& text, const ir::StrategyMap& strategy, int64_t ranks) {
  ir::Graph g = ir::parseGraph(text, "test");
  assignStrategies(g, strategy);
  ParallelPlan plan = propagateLayouts(g, ranks);
  lowerSplitReductions(g, plan);
  insertRedistribution(g, plan);
  partition(g, plan);
  return ir::printGraph(g);
}

// Rows over 2 ranks, the softmax axis over 2 (mesh [2,2]): the local max, one all-reduce (max) of a [2,1] column
// along axis 1 (2 ranks, 8 B each: 2 x 8 x 1/2), exp of the shifted part, the local sum, its all-reduce (sum),
// the division; the result leaves whole through two all-gathers.
TEST(LowerSplitReductions, SoftmaxOverASplitAxis) {
  ir::StrategyMap s;
  s.ops["sm"] = {{{2, 2}}, 0};
  EXPECT_EQ(partitioned(R"(graph @t {
  input %x : f32[4,6]
  %y = Softmax(%x) {axis = -1} loc("sm") : f32[4,6]
  output %y
})", s, 4), R"(graph @t {
  input %x : f32[4,6]
  %x.split = ShardSlice(%x) {axes = [0], dim = 0, group_size = 2} loc("sm") : f32[2,6]
  %x.split_1 = ShardSlice(%x.split) {axes = [1], dim = 1, group_size = 2} loc("sm") : f32[2,3]
  %y.max.local = ReduceMax(%x.split_1) {axes = [1], keepdims = 1, strategy = [2, 2], strategy_ranks = [2]} loc("sm") : f32[2,1]
  %y.max = AllReduce(%y.max.local) {axes = [1], bytes = 8, group_size = 2, reduce = "max"} loc("sm") : f32[2,1]
  %y.shifted = Sub(%x.split_1, %y.max) loc("sm") : f32[2,3]
  %y.exp = Exp(%y.shifted) loc("sm") : f32[2,3]
  %y.sum = ReduceSum(%y.exp) {axes = [1], keepdims = 1} loc("sm") : f32[2,1]
  %"y.sum.all-reduce" = AllReduce(%y.sum) {axes = [1], bytes = 8, group_size = 2} loc("sm") : f32[2,1]
  %y.sharded = Div(%y.exp, %"y.sum.all-reduce") loc("sm") : f32[2,3]
  %"y.all-gather" = AllGather(%y.sharded) {axes = [0], bytes = 24, dim = 0, group_size = 2} loc("output") : f32[4,3]
  %y = AllGather(%"y.all-gather") {axes = [1], bytes = 48, dim = 1, group_size = 2} loc("output") : f32[4,6]
  output %y
}
)");
}

// A softmax whose axis is whole on every rank stays one op; its rows follow the producer's split.
TEST(LowerSplitReductions, SoftmaxOverAWholeAxisStaysOneOp) {
  ir::StrategyMap s;
  s.ops["sm"] = {{{4, 1}}, 0};
  EXPECT_EQ(partitioned(R"(graph @t {
  input %x : f32[4,6]
  %y = Softmax(%x) {axis = 1} loc("sm") : f32[4,6]
  output %y
})", s, 4), R"(graph @t {
  input %x : f32[4,6]
  %x.split = ShardSlice(%x) {axes = [0], dim = 0, group_size = 4} loc("sm") : f32[1,6]
  %y.sharded = Softmax(%x.split) {axis = 1, strategy = [4, 1], strategy_ranks = [2]} loc("sm") : f32[1,6]
  %y = AllGather(%y.sharded) {axes = [0], bytes = 72, dim = 0, group_size = 4} loc("output") : f32[4,6]
  output %y
}
)");
}

// A max over both dims of a tensor whose rows are split 4 ways (it follows the Relu's data-parallel split):
// the local max of [1,6], then one all-reduce (max) over all 4 ranks of a single element: 2 x 3/4 x 4 B = 6 B.
TEST(LowerSplitReductions, MaxOverAllDimsOfARowSplitTensor) {
  ir::StrategyMap s;
  s.ops["r"] = {{{4, 1}}, 0};
  EXPECT_EQ(partitioned(R"(graph @t {
  input %x : f32[4,6]
  %a = Relu(%x) loc("r") : f32[4,6]
  %m = ReduceMax(%a) {axes = [], keepdims = 0} loc("m") : f32[]
  output %m
})", s, 4), R"(graph @t {
  input %x : f32[4,6]
  %x.split = ShardSlice(%x) {axes = [0], dim = 0, group_size = 4} loc("r") : f32[1,6]
  %a = Relu(%x.split) {strategy = [4, 1], strategy_ranks = [2]} loc("r") : f32[1,6]
  %m.local = ReduceMax(%a) {axes = [], keepdims = 0} loc("m") : f32[]
  %m = AllReduce(%m.local) {axes = [0], bytes = 6, group_size = 4, reduce = "max"} loc("m") : f32[]
  output %m
}
)");
}

}  // namespace
}  // namespace shardc::passes
