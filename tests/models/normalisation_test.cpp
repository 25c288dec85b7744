// LayerNormalization over a hidden dim split across ranks: its mean and variance are partial sums on each rank,
// completed by one all-reduce each (the cross-rank statistics); the result keeps the split. 2 and 4 ranks.
#include <gtest/gtest.h>

#include "model_test_util.h"

namespace shardc {
namespace {
using testing::OnnxModelBuilder;

TEST(LayerNorm, SplitNormalisedAxisAllReducesItsStatistics) {
  OnnxModelBuilder m(17);
  m.input("x", {4, 6, 16});
  m.initializer("w", testing::weights({16, 16}, 3, 0.5));
  m.initializer("g", testing::weights({16}, 4, 1.0));
  m.initializer("b", testing::weights({16}, 5, 0.5));
  m.node("MatMul", {"x", "w"}, {"h"}, "proj");
  auto& ln = m.node("LayerNormalization", {"h", "g", "b"}, {"y"}, "ln");
  OnnxModelBuilder::intAttr(ln, "axis", -1);
  m.output("y");
  std::string path = m.write("layernorm");
  for (int ranks : {2, 4}) {
    ir::StrategyMap s;
    s.ops["MatMul_w"] = {{{1, 1, 1}, {1, ranks}}, 0};  // h split on the hidden dim
    ir::Graph g = frontend::importOnnxFile(path);
    auto run = testing::compileParallelAndRun(std::move(g), s, ranks,
                                              {testing::randomTensor(ir::DType::f32, {4, 6, 16}, 6)},
                                              "layernorm_" + std::to_string(ranks));
    EXPECT_EQ(testing::countOps(run.programIr, "AllReduce"), 2) << run.programIr;
    EXPECT_EQ(testing::countOps(run.programIr, "AllGather"), 1) << run.programIr;  // the output only
    EXPECT_NE(run.programIr.find("ReduceMean(%h) {axes = [2], divisor = 16, keepdims = 1}"), std::string::npos)
        << run.programIr;
    EXPECT_EQ(tools::compareTensors(run.outputs.at(0), run.expected.at(0), {1e-5, 1e-5}), "");
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace shardc
