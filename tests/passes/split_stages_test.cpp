// split-stages: one graph per stage; a stage's inputs are the model inputs it reads and what earlier stages computed
// for it, its outputs the model outputs it computes and what later stages read; a parameter two stages use (a tied
// embedding) is in both.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "pass_test_util.h"
#include "passes/split_stages.h"

namespace shardc {
namespace {

std::string print(const ir::Graph& g) {
  ir::PrintOptions all;
  all.elideAbove = 0;
  return ir::printGraph(g, all);
}

TEST(SplitStages, EachStageGetsWhatItReadsAndSendsWhatOthersNeed) {
  ir::Graph g = ir::parseGraph(R"(graph @g {
  input %x : f32[2,8]
  input %mask : f32[2,8]
  param %w : f32[8,8] = <elided>
  %a = MatMul(%x, %w) : f32[2,8]
  %r = Relu(%a) : f32[2,8]
  %b = MatMul(%r, %w) {stage = 1} : f32[2,8]
  %m = Mul(%b, %mask) {stage = 1} : f32[2,8]
  %y = Add(%m, %r) {stage = 2} : f32[2,8]
  output %y, %a
}
)", "test");
  std::vector<passes::StageGraph> stages = passes::splitStages(g, 3);
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(print(stages[0].graph), R"(graph @g_stage0 {
  input %x : f32[2,8]
  param %w : f32[8,8] = <elided>
  %a = MatMul(%x, %w) : f32[2,8]
  %r = Relu(%a) : f32[2,8]
  output %a, %r
}
)");
  EXPECT_EQ(stages[0].inputFrom, (std::vector<int>{-1}));
  EXPECT_EQ(print(stages[1].graph), R"(graph @g_stage1 {
  input %r : f32[2,8]
  input %mask : f32[2,8]
  param %w : f32[8,8] = <elided>
  %b = MatMul(%r, %w) {stage = 1} : f32[2,8]
  %m = Mul(%b, %mask) {stage = 1} : f32[2,8]
  output %m
}
)");
  EXPECT_EQ(stages[1].inputFrom, (std::vector<int>{0, -1}));
  EXPECT_EQ(print(stages[2].graph), R"(graph @g_stage2 {
  input %m : f32[2,8]
  input %r : f32[2,8]
  %y = Add(%m, %r) {stage = 2} : f32[2,8]
  output %y
}
)");
  EXPECT_EQ(stages[2].inputFrom, (std::vector<int>{1, 0}));
}

TEST(SplitStages, AModelOutputNoOpComputesIsAnError) {
  ir::Graph g = ir::parseGraph(R"(graph @g {
  input %x : f32[2]
  %y = Relu(%x) : f32[2]
  output %y, %x
}
)", "test");
  EXPECT_THROW(passes::splitStages(g, 1), ir::Error);
}

}  // namespace
}  // namespace shardc
