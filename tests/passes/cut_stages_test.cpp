// cut-stages: with no stages given, the program order is cut into S runs whose slowest is fastest under the cost
// model (what each stage sends counted on it), each within the memory limit; stages given by the strategy are kept
// and the other ops follow their producers.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "pass_test_util.h"
#include "passes/cut_stages.h"

namespace shardc {
namespace {

// Four MatMuls whose work is 16K, 8K, 4K and 4K multiply-adds: the first alone weighs as much as the other three.
const char* kChain = R"(graph @chain {
  input %x : f32[1,128]
  param %w1 : f32[128,128] = <elided>
  param %w2 : f32[128,64] = <elided>
  param %w3 : f32[64,64] = <elided>
  param %w4 : f32[64,64] = <elided>
  %a = MatMul(%x, %w1) : f32[1,128]
  %b = MatMul(%a, %w2) : f32[1,64]
  %c = MatMul(%b, %w3) : f32[1,64]
  %d = MatMul(%c, %w4) : f32[1,64]
  output %d
}
)";

std::vector<int64_t> stagesOf(const ir::Graph& g) {
  std::vector<int64_t> out;
  for (const auto& op : g.ops()) out.push_back(passes::stageOf(op));
  return out;
}

TEST(CutStages, BalancesTheSlowestStage) {
  ir::Graph g = ir::parseGraph(kChain, "test");
  passes::StageCutOptions o;
  o.stages = 2;
  passes::StageCut cut = passes::cutStages(g, o);
  EXPECT_EQ(stagesOf(g), (std::vector<int64_t>{0, 1, 1, 1}));
  EXPECT_FALSE(cut.fromStrategy);
  EXPECT_EQ(cut.paramBytes, (std::vector<int64_t>{65536, 65536}));
  EXPECT_EQ(cut.sentBytes, (std::vector<int64_t>{512, 0}));
  ir::Graph four = ir::parseGraph(kChain, "test");
  o.stages = 4;
  passes::cutStages(four, o);
  EXPECT_EQ(stagesOf(four), (std::vector<int64_t>{0, 1, 2, 3}));
}

// Weights of 4, 1, 1, 1, 1 and 4 MiB: three stages are best as the heavy ends alone and the four light ones between.
TEST(CutStages, ThreeStagesOfAChainWithHeavyEnds) {
  ir::Graph g = ir::parseGraph(R"(graph @ends {
  input %x : f32[1,1024]
  param %w1 : f32[1024,1024] = <elided>
  param %w2 : f32[1024,256] = <elided>
  param %w3 : f32[256,1024] = <elided>
  param %w4 : f32[1024,256] = <elided>
  param %w5 : f32[256,1024] = <elided>
  param %w6 : f32[1024,1024] = <elided>
  %a = MatMul(%x, %w1) : f32[1,1024]
  %b = MatMul(%a, %w2) : f32[1,256]
  %c = MatMul(%b, %w3) : f32[1,1024]
  %d = MatMul(%c, %w4) : f32[1,256]
  %e = MatMul(%d, %w5) : f32[1,1024]
  %f = MatMul(%e, %w6) : f32[1,1024]
  output %f
}
)", "test");
  passes::StageCutOptions o;
  o.stages = 3;
  passes::StageCut cut = passes::cutStages(g, o);
  EXPECT_EQ(stagesOf(g), (std::vector<int64_t>{0, 1, 1, 1, 1, 2}));
  EXPECT_EQ(cut.paramBytes, (std::vector<int64_t>{4 << 20, 4 << 20, 4 << 20}));
  EXPECT_EQ(cut.sentBytes, (std::vector<int64_t>{4096, 4096, 0}));
}

TEST(CutStages, KeepsEachStageWithinTheMemoryLimit) {
  // w1 and w2 together (96 KiB) would fit 100000 bytes, but w3 and w4 alone would leave stage 0 slow: the limit
  // only rules cuts out.
  ir::Graph g = ir::parseGraph(kChain, "test");
  passes::StageCutOptions o;
  o.stages = 2;
  o.memoryLimit = 65536;
  passes::cutStages(g, o);
  EXPECT_EQ(stagesOf(g), (std::vector<int64_t>{0, 1, 1, 1}));
  // Two ranks per stage share a stage's parameters: 49152 bytes per rank admit w2..w4 (96 KiB) but not w1..w3.
  ir::Graph shared = ir::parseGraph(kChain, "test");
  o.stageRanks = 2;
  o.memoryLimit = 49152;
  passes::cutStages(shared, o);
  EXPECT_EQ(stagesOf(shared), (std::vector<int64_t>{0, 1, 1, 1}));
  ir::Graph tight = ir::parseGraph(kChain, "test");
  o.stageRanks = 1;
  o.memoryLimit = 40000;
  try {
    passes::cutStages(tight, o);
    FAIL() << "expected an error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "no cut into 2 stages keeps each stage's parameters within 40000 bytes per rank (one op alone "
                           "needs 65536)");
  }
}

TEST(CutStages, StrategyStagesAreKeptAndTheOtherOpsFollowTheirProducers) {
  ir::Graph g = ir::parseGraph(R"(graph @g {
  input %x : f32[1,128]
  param %w1 : f32[128,128] = <elided>
  param %w2 : f32[128,64] = <elided>
  %a = MatMul(%x, %w1) : f32[1,128]
  %r = Relu(%a) : f32[1,128]
  %b = MatMul(%r, %w2) {stage = 1} : f32[1,64]
  %y = Relu(%b) : f32[1,64]
  output %y
}
)", "test");
  passes::StageCut cut = passes::cutStages(g, {});
  EXPECT_TRUE(cut.fromStrategy);
  EXPECT_EQ(cut.stages, 2);
  EXPECT_EQ(stagesOf(g), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(cut.sentBytes, (std::vector<int64_t>{512, 0}));
  passes::StageCutOptions fewer;
  fewer.stages = 1;
  ir::Graph again = g;
  EXPECT_THROW(passes::cutStages(again, fewer), ir::Error);
}

TEST(CutStages, AnOpBeforeTheStageItReadsFromIsAnError) {
  ir::Graph g = ir::parseGraph(R"(graph @g {
  input %x : f32[1,8]
  param %w : f32[8,8] = <elided>
  %a = MatMul(%x, %w) {stage = 1} : f32[1,8]
  %y = Relu(%a) {stage = 0} : f32[1,8]
  output %y
}
)", "test");
  try {
    passes::cutStages(g, {});
    FAIL() << "expected an error";
  } catch (const ir::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("is in pipeline stage 0 but reads the result of"), std::string::npos) << m;
    EXPECT_NE(m.find("in stage 1: a stage may only use what earlier stages computed"), std::string::npos) << m;
  }
}

TEST(CutStages, MoreStagesThanOpsIsAnError) {
  ir::Graph g = ir::parseGraph(kChain, "test");
  passes::StageCutOptions o;
  o.stages = 5;
  try {
    passes::cutStages(g, o);
    FAIL() << "expected an error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "5 pipeline stages for a model of 4 op(s): each stage needs one at least");
  }
}

}  // namespace
}  // namespace shardc
