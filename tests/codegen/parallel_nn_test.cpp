// The sharding rules of Conv, the pools, Gather and Slice, end to end: compiled for 2 and 4 ranks, run under
// mpirun, rank 0's outputs against the interpreter on one rank; the rank program's collectives checked too.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "parallel_test_util.h"

namespace shardc {
namespace {
using testing::countOps;

ir::Attributes convAttrs() {
  ir::Attributes a;
  a.set("strides", std::vector<int64_t>{1, 1});
  a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  a.set("dilations", std::vector<int64_t>{1, 1});
  a.set("group", int64_t{1});
  return a;
}

// y = Relu(Conv(x, w) + b): a 3x3 convolution, 8 -> 8 channels, with the strategy given for the Conv.
testing::ParallelRun convCase(std::vector<int64_t> xSplit, std::vector<int64_t> wSplit, int ranks, const std::string& name) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {4, 8, 6, 6}});
  ir::ValueId w = g.addParam("w", testing::randomTensor(ir::DType::f32, {8, 8, 3, 3}, 11));
  ir::ValueId b = g.addParam("b", testing::randomTensor(ir::DType::f32, {8}, 12));
  ir::ValueId c = g.addOp1(ir::OpKind::Conv, {x, w, b}, "c", convAttrs(), "conv");
  g.setOutputs({g.addOp1(ir::OpKind::Relu, {c}, "y", {}, "relu")});
  ir::StrategyMap s;
  s.ops["Conv2D_w"] = {{xSplit, wSplit}, 0};
  return testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {4, 8, 6, 6}, 13)}, name);
}

TEST(ParallelConv, OutputChannelsSplitNeedNoCollectiveBeforeTheOutput) {
  for (int ranks : {2, 4}) {
    auto run = convCase({1, 1, 1, 1}, {ranks, 1, 1, 1}, ranks, "conv_out_" + std::to_string(ranks));
    // Each rank computes 8/ranks output channels; only the output is gathered.
    EXPECT_NE(run.programIr.find("Conv(%x, %w) {dilations = [1, 1], fusion_group = 0, group = 1, pads = [1, 1, 1, 1]"), std::string::npos)
        << run.programIr;
    EXPECT_NE(run.programIr.find("f32[4," + std::to_string(8 / ranks) + ",6,6]"), std::string::npos) << run.programIr;
    EXPECT_EQ(countOps(run.programIr, "AllReduce"), 0) << run.programIr;
    EXPECT_EQ(countOps(run.programIr, "AllGather"), 1) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-5, 1e-5}), "");
  }
}

TEST(ParallelConv, InputChannelsSplitLeavesAPartialSumThatOneAllReduceCompletes) {
  for (int ranks : {2, 4}) {
    auto run = convCase({1, ranks, 1, 1}, {1, ranks, 1, 1}, ranks, "conv_in_" + std::to_string(ranks));
    // The bias is added after the all-reduce, once.
    EXPECT_EQ(countOps(run.programIr, "AllReduce"), 1) << run.programIr;
    EXPECT_NE(run.programIr.find("Conv(%x.split, %w)"), std::string::npos) << run.programIr;
    EXPECT_NE(run.programIr.find("%c = Add(%\"c.conv.all-reduce\", %b)"), std::string::npos) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-5, 1e-5}), "");
  }
}

TEST(ParallelConv, BatchSplit) {
  for (int ranks : {2, 4}) {
    auto run = convCase({ranks, 1, 1, 1}, {1, 1, 1, 1}, ranks, "conv_batch_" + std::to_string(ranks));
    EXPECT_EQ(countOps(run.programIr, "AllReduce"), 0) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-5, 1e-5}), "");
  }
}

TEST(ParallelConv, SpatialSplitIsRefusedWithTheDim) {
  try {
    convCase({1, 1, 2, 1}, {1, 1, 1, 1}, 2, "conv_spatial");
    FAIL() << "expected an error";
  } catch (const ir::Unsupported& e) {
    EXPECT_NE(std::string(e.what()).find("input 0 dim 2 (spatial) is split 2 ways"), std::string::npos) << e.what();
  }
}

// Max and average pools over channels split across ranks: no collective but the output's gather.
TEST(ParallelPool, ChannelSplitPoolsLocally) {
  for (ir::OpKind kind : {ir::OpKind::MaxPool, ir::OpKind::AveragePool})
    for (int ranks : {2, 4}) {
      ir::Graph g;
      ir::ValueId x = g.addInput("x", {ir::DType::f32, {2, 8, 7, 7}});
      ir::Attributes a;
      a.set("kernel_shape", std::vector<int64_t>{3, 3});
      a.set("strides", std::vector<int64_t>{2, 2});
      a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
      a.set("dilations", std::vector<int64_t>{1, 1});
      a.set("ceil_mode", int64_t{1});
      g.setOutputs({g.addOp1(kind, {x}, "y", a, "pool")});
      ir::StrategyMap s;
      s.ops["pool"] = {{{1, ranks, 1, 1}}, 0};
      std::string name = std::string(ir::opKindName(kind)) + std::to_string(ranks);
      auto run = testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {2, 8, 7, 7}, 21)}, name);
      EXPECT_NE(run.programIr.find("f32[2," + std::to_string(8 / ranks) + ",4,4]"), std::string::npos) << run.programIr;
      EXPECT_EQ(countOps(run.programIr, "AllGather"), 1) << run.programIr;
      EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-6, 1e-6}), "") << name;
    }
}

// An embedding table split on the vocabulary (Megatron): each rank looks up the ids it holds, zeros for the rest,
// and one all-reduce sums the parts. Ids include the first and last row and negative ones.
TEST(ParallelGather, VocabularySplitEmbeddingIsAMaskedLookupAndOneAllReduce) {
  for (int ranks : {2, 4}) {
    ir::Graph g;
    ir::ValueId ids = g.addInput("ids", {ir::DType::i64, {2, 5}});
    ir::ValueId table = g.addParam("table", testing::randomTensor(ir::DType::f32, {16, 6}, 31));
    ir::Attributes a;
    a.set("axis", int64_t{0});
    ir::ValueId e = g.addOp1(ir::OpKind::Gather, {table, ids}, "e", a, "embed");
    g.setOutputs({g.addOp1(ir::OpKind::Relu, {e}, "y", {}, "relu")});
    ir::StrategyMap s;
    s.ops["Gather_table"] = {{{ranks, 1}, {1, 1}}, 0};
    ir::Tensor idv = ir::Tensor::fromInts(ir::DType::i64, ir::Shape({2, 5}), {0, 15, 7, 8, -1, 3, 12, -16, 9, 4});
    auto run = testing::compileParallelAndRun(g, s, ranks, {idv}, "gather_vocab_" + std::to_string(ranks));
    EXPECT_NE(run.programIr.find("Gather(%table, %ids) {axis = 0, shard_axes = [0], strategy"), std::string::npos) << run.programIr;
    EXPECT_NE(run.programIr.find("param %table : f32[" + std::to_string(16 / ranks) + ",6]"), std::string::npos) << run.programIr;
    EXPECT_EQ(countOps(run.programIr, "AllReduce"), 1) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {0, 0}), "");
  }
}

// The hidden dim split instead: each rank holds all rows, a slice of the columns.
TEST(ParallelGather, HiddenSplitEmbeddingNeedsNoReduction) {
  for (int ranks : {2, 4}) {
    ir::Graph g;
    ir::ValueId ids = g.addInput("ids", {ir::DType::i32, {3}});
    ir::ValueId table = g.addParam("table", testing::randomTensor(ir::DType::f32, {10, 8}, 32));
    ir::Attributes a;
    a.set("axis", int64_t{0});
    g.setOutputs({g.addOp1(ir::OpKind::Gather, {table, ids}, "e", a, "embed")});
    ir::StrategyMap s;
    s.ops["Gather_table"] = {{{1, ranks}, {1}}, 0};
    ir::Tensor idv = ir::Tensor::fromInts(ir::DType::i32, ir::Shape({3}), {9, 0, 4});
    auto run = testing::compileParallelAndRun(g, s, ranks, {idv}, "gather_hidden_" + std::to_string(ranks));
    EXPECT_EQ(countOps(run.programIr, "AllReduce"), 0) << run.programIr;
    EXPECT_EQ(run.programIr.find("shard_axes"), std::string::npos) << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {0, 0}), "");
  }
}

// A slice of columns of a row-split matrix keeps the row split.
TEST(ParallelSlice, UnslicedDimsKeepTheirSplit) {
  for (int ranks : {2, 4}) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 10}});
    ir::Attributes a;
    a.set("starts", std::vector<int64_t>{0, 1});
    a.set("ends", std::vector<int64_t>{8, 9});
    a.set("steps", std::vector<int64_t>{1, 2});
    ir::ValueId y = g.addOp1(ir::OpKind::Slice, {x}, "y", a, "slice");
    g.setOutputs({g.addOp1(ir::OpKind::Exp, {y}, "z", {}, "exp")});
    ir::StrategyMap s;
    s.ops["slice"] = {{{ranks, 1}}, 0};
    auto run = testing::compileParallelAndRun(g, s, ranks, {testing::randomTensor(ir::DType::f32, {8, 10}, 41)},
                                              "slice_" + std::to_string(ranks));
    std::string local = std::to_string(8 / ranks);
    EXPECT_NE(run.programIr.find("ends = [" + local + ", 9], starts = [0, 1], steps = [1, 2]"), std::string::npos)
        << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-6, 1e-6}), "");
  }
}

TEST(ParallelSlice, ASlicedDimCannotBeSplit) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {8, 10}});
  ir::Attributes a;
  a.set("starts", std::vector<int64_t>{2, 0});
  a.set("ends", std::vector<int64_t>{8, 10});
  a.set("steps", std::vector<int64_t>{1, 1});
  g.setOutputs({g.addOp1(ir::OpKind::Slice, {x}, "y", a, "slice")});
  ir::StrategyMap s;
  s.ops["slice"] = {{{2, 1}}, 0};
  try {
    testing::compileParallelAndRun(g, s, 2, {testing::randomTensor(ir::DType::f32, {8, 10}, 42)}, "slice_bad");
    FAIL() << "expected an error";
  } catch (const ir::Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'slice' (Slice): dim 0 is sliced and cannot be split 2 ways"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace shardc
