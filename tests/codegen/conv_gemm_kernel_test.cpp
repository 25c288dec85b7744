// f32 Conv through im2col and the blocked GEMM against the reference interpreter: strides, pads, dilations, 1-D,
// 2-D and 3-D windows, a batch of two, with and without bias, odd channel counts, for AVX-512, AVX2 and SSE builds;
// and a grouped convolution, which keeps the direct loops.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "kernel_test_util.h"

namespace shardc {
namespace {
using ir::DType;
using ir::OpKind;
using testing::randomTensor;

struct ConvCase {
  ir::Shape x, w;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group = 1;
  bool bias = true;
};

const std::vector<ConvCase> kCases = {
    {{1, 3, 9, 9}, {5, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}},
    {{2, 4, 11, 7}, {6, 4, 3, 3}, {2, 2}, {1, 0, 1, 0}, {1, 1}},
    {{1, 3, 17, 17}, {8, 3, 7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}, 1, false},
    {{1, 5, 10, 10}, {3, 5, 3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}},
    {{1, 17, 6, 6}, {33, 17, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
    {{2, 3, 20}, {4, 3, 5}, {3}, {2, 1}, {1}},
    {{1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, {1, 1, 2}, {1, 1, 1, 1, 1, 1}, {1, 1, 1}},
    {{1, 4, 8, 8}, {6, 2, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 2},
};

void expectAll(const std::string& cpu, const std::string& tag) {
  codegen::CodegenOptions options;
  options.target.cpu = cpu;
  uint32_t seed = 1;
  for (const ConvCase& c : kCases) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::f32, c.x});
    std::vector<ir::ValueId> operands{x, g.addParam("w", randomTensor(DType::f32, c.w, seed++))};
    if (c.bias) operands.push_back(g.addParam("b", randomTensor(DType::f32, ir::Shape({c.w.dims[0]}), seed++)));
    ir::Attributes a;
    a.set("strides", c.strides);
    a.set("pads", c.pads);
    a.set("dilations", c.dilations);
    a.set("group", c.group);
    g.setOutputs({g.addOp1(OpKind::Conv, operands, "y", a)});
    std::string name = fmt::format("{}_conv_{}_{}", tag, c.x.xstr(), c.w.xstr());
    testing::expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, c.x, seed++)}, name, 1e-5, 1e-4,
                                             options);
  }
}

TEST(ConvGemmKernel, Avx512) { expectAll("", "avx512"); }
TEST(ConvGemmKernel, Avx2) { expectAll("x86-64-v3", "avx2"); }
TEST(ConvGemmKernel, Sse) { expectAll("x86-64-v2", "sse"); }

}  // namespace
}  // namespace shardc
