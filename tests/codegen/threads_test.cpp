// Kernels shared among a rank's threads (--threads N on the executable): every kernel that splits its work items
// among the parts gives the same bytes with 1, 2 and 3 threads (each item is computed alone, whichever thread
// runs it), and they equal the reference interpreter: GEMMs with fused epilogues (column blocks and row groups,
// a batched MatMul), the three convolution paths, a large elementwise chain, pooling and a reduction.
#include <gtest/gtest.h>

#include <cstring>

#include <fmt/format.h>

#include "kernel_test_util.h"

namespace shardc {
namespace {
using ir::DType;
using ir::OpKind;
using testing::randomTensor;

ir::Attributes convAttrs(std::vector<int64_t> strides, std::vector<int64_t> pads) {
  ir::Attributes a;
  a.set("strides", strides);
  a.set("pads", pads);
  a.set("dilations", std::vector<int64_t>{1, 1});
  return a;
}

// One graph with a kernel of every kind that splits its work among threads.
ir::Graph everyParallelKernel() {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {67, 130}});
  ir::ValueId h = g.addOp1(OpKind::MatMul, {x, g.addParam("w1", randomTensor(DType::f32, ir::Shape({130, 257}), 1))}, "mm");
  h = g.addOp1(OpKind::Relu, {g.addOp1(OpKind::Add, {h, g.addParam("b1", randomTensor(DType::f32, ir::Shape({257}), 2))}, "bias")}, "relu");
  ir::ValueId wide = g.addOp1(OpKind::MatMul, {h, g.addParam("w2", randomTensor(DType::f32, ir::Shape({257, 1100}), 3))}, "wide");
  ir::ValueId bx = g.addInput("bx", {DType::f32, {3, 40, 50}});
  ir::ValueId batched = g.addOp1(OpKind::MatMul, {bx, g.addParam("bw", randomTensor(DType::f32, ir::Shape({3, 50, 90}), 4))}, "batched");
  ir::ValueId img = g.addInput("img", {DType::f32, {2, 5, 30, 30}});
  ir::ValueId flat = g.addOp1(OpKind::Conv, {img, g.addParam("cw", randomTensor(DType::f32, ir::Shape({19, 5, 3, 3}), 5))}, "flat",
                              convAttrs({1, 1}, {1, 1, 1, 1}));
  ir::ValueId row = g.addOp1(OpKind::Conv, {img, g.addParam("rw", randomTensor(DType::f32, ir::Shape({9, 5, 3, 3}), 6))}, "row",
                             convAttrs({1, 1}, {0, 0, 0, 0}));
  ir::ValueId implicit = g.addOp1(OpKind::Conv, {img, g.addParam("iw", randomTensor(DType::f32, ir::Shape({12, 5, 3, 3}), 7))},
                                  "implicit", convAttrs({4, 4}, {1, 1, 1, 1}));
  ir::ValueId pointwise = g.addOp1(OpKind::Conv, {img, g.addParam("pw", randomTensor(DType::f32, ir::Shape({11, 5, 1, 1}), 8))},
                                   "pointwise", convAttrs({1, 1}, {0, 0, 0, 0}));
  ir::ValueId big = g.addInput("big", {DType::f32, {6, 70, 300}});
  ir::ValueId chain = g.addOp1(OpKind::Tanh, {g.addOp1(OpKind::Mul, {big, big}, "sq")}, "chain");
  ir::Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{3, 3});
  pool.set("strides", std::vector<int64_t>{2, 2});
  pool.set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ir::ValueId pooled = g.addOp1(OpKind::MaxPool, {flat}, "pool", pool);
  ir::Attributes mean;
  mean.set("axes", std::vector<int64_t>{2});
  ir::ValueId reduced = g.addOp1(OpKind::ReduceMean, {big}, "mean", mean);
  g.setOutputs({wide, batched, row, implicit, pointwise, chain, pooled, reduced});
  return g;
}

TEST(Threads, EveryParallelKernelGivesTheSameBytesOnOneTwoAndThreeThreads) {
  ir::Graph g = everyParallelKernel();
  std::vector<ir::Tensor> inputs{randomTensor(DType::f32, {67, 130}, 11), randomTensor(DType::f32, {3, 40, 50}, 12),
                                 randomTensor(DType::f32, {2, 5, 30, 30}, 13), randomTensor(DType::f32, {6, 70, 300}, 14)};
  testing::expectCompiledEqualsInterpreter(g, inputs, "threads_reference", 1e-4, 1e-3);
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  std::vector<std::vector<ir::Tensor>> runs;
  for (int threads : {1, 2, 3}) {
    std::string dir = testing::workDir(fmt::format("threads_{}", threads));
    runs.push_back(tools::compileAndRun(g, inputs, dir, {}, {"--threads", std::to_string(threads)}));
    std::filesystem::remove_all(dir);
  }
  for (size_t r = 1; r < runs.size(); ++r)
    for (size_t i = 0; i < runs[0].size(); ++i)
      EXPECT_TRUE(runs[r][i].byteSize() == runs[0][i].byteSize() &&
                  std::memcmp(runs[r][i].bytes(), runs[0][i].bytes(), runs[0][i].byteSize()) == 0)
          << (r + 1) << " threads, output " << i;
}

TEST(Threads, ABadThreadCountIsOneErrorLine) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {2}});
  g.setOutputs({g.addOp1(OpKind::Relu, {x}, "y")});
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  for (const char* bad : {"0", "-1", "two", ""}) {
    std::string dir = testing::workDir("threads_bad");
    try {
      tools::compileAndRun(g, {randomTensor(DType::f32, {2}, 1)}, dir, {}, {"--threads", bad});
      ADD_FAILURE() << "--threads '" << bad << "' was accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("--threads needs a positive number"), std::string::npos) << e.what();
    }
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace shardc
