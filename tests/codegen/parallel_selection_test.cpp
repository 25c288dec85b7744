// ArgMax and TopK over a split axis gather the axis first; over other split dims they run where the data lies.
// Pad keeps the splits of the dims it does not pad. Compiled for 2 and 4 ranks against the interpreter.
#include <gtest/gtest.h>

#include "parallel_test_util.h"

namespace shardc {
namespace {
using testing::countOps;

ir::Attributes along(int64_t axis) {
  ir::Attributes a;
  a.set("axis", axis);
  a.set("keepdims", int64_t{0});
  a.set("select_last_index", int64_t{0});
  return a;
}

TEST(ParallelSelection, ArgMaxOverASplitAxisGathersItFirst) {
  for (int ranks : {2, 4}) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {ir::DType::f32, {4, 8}});
    ir::ValueId e = g.addOp1(ir::OpKind::Exp, {x}, "e", {}, "exp");
    g.setOutputs({g.addOp1(ir::OpKind::ArgMax, {e}, "i", along(1), "argmax")});
    ir::StrategyMap s;
    s.ops["exp"] = {{{1, ranks}}, 0};
    s.ops["argmax"] = {{{1, ranks}}, 0};
    auto run = testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {4, 8}, 51)},
                                              "argmax_axis_" + std::to_string(ranks));
    EXPECT_NE(run.programIr.find("AllGather(%e) {axes = [0]"), std::string::npos) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {0, 0}), "");
  }
}

TEST(ParallelSelection, TopKOverRowsSplitElsewhereNeedsNoCollectiveButTheOutputs) {
  for (int ranks : {2, 4}) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 6}});
    ir::Attributes a;
    a.set("axis", int64_t{1});
    a.set("k", int64_t{3});
    a.set("largest", int64_t{1});
    a.set("sorted", int64_t{1});
    a.set("output", std::string("values"));
    ir::ValueId v = g.addOp1(ir::OpKind::TopK, {x}, "v", a, "topk");
    a.set("output", std::string("indices"));
    ir::ValueId i = g.addOp1(ir::OpKind::TopK, {x}, "i", a, "topk");
    g.setOutputs({v, i});
    ir::StrategyMap s;
    s.ops["topk"] = {{{ranks, 1}}, 0};
    auto run = testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {8, 6}, 52)},
                                              "topk_rows_" + std::to_string(ranks));
    EXPECT_EQ(countOps(run.programIr, "AllGather"), 2) << run.programIr;  // the two outputs
    EXPECT_NE(run.programIr.find(": f32[" + std::to_string(8 / ranks) + ",3]"), std::string::npos) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {0, 0}), "");
    EXPECT_EQ(tools::compareTensors(run.outputs.at(1), run.expected.at(1), {0, 0}), "");
  }
}

TEST(ParallelSelection, PadKeepsTheSplitOfUnpaddedDims) {
  for (int ranks : {2, 4}) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 5}});
    ir::Attributes a;
    a.set("pads", std::vector<int64_t>{0, 2, 0, 1});
    a.set("mode", std::string("reflect"));
    a.set("value", 0.0);
    g.setOutputs({g.addOp1(ir::OpKind::Pad, {x}, "y", a, "pad")});
    ir::StrategyMap s;
    s.ops["pad"] = {{{ranks, 1}}, 0};
    auto run = testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {8, 5}, 53)},
                                              "pad_" + std::to_string(ranks));
    EXPECT_NE(run.programIr.find(": f32[" + std::to_string(8 / ranks) + ",8]"), std::string::npos) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {0, 0}), "");
  }
}

}  // namespace
}  // namespace shardc
