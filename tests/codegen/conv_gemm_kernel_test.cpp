// f32 Conv through each of its blocked paths against the reference interpreter, for AVX-512, AVX2 and SSE builds:
// the flat direct kernel (same-shaped output, stride 1), the row direct kernel (last output dim filling the lanes,
// strides 1 to 3), the pointwise GEMM (1x1), the implicit GEMM (short rows), with strides, pads, dilations, 1-D, 2-D
// and 3-D windows, a batch of two, with and without bias, odd channel and position counts (1, 3, 17, 255); a
// grouped convolution, which keeps the direct loops; and Convs carrying fused epilogues.
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
    {{1, 3, 30, 30}, {17, 3, 3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}},   // rows of 28: row direct, 17 channels
    {{1, 3, 56, 56}, {9, 3, 7, 7}, {2, 2}, {3, 3, 3, 3}, {1, 1}},    // a ResNet stem: row direct, stride 2
    {{1, 2, 28, 27}, {4, 2, 3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}},    // rows of 14
    {{1, 4, 12, 12}, {5, 4, 3, 3}, {3, 3}, {0, 0, 0, 0}, {1, 1}},    // stride 3, rows of 4
    {{1, 3, 255}, {5, 3, 3}, {1}, {1, 1}, {1}},                      // 255 positions, flat
    {{1, 2, 1, 1}, {3, 2, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}},      // one position
    {{1, 1, 3, 17}, {1, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false},  // one channel in and out
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

// Conv, bias as a separate Add of [M, 1, 1], Relu and a residual of the output's shape: the whole chain is one
// fused group applied as the Conv stores; an operand broadcast along one spatial dim only keeps its own loop.
void expectFused(const std::string& cpu, const std::string& tag) {
  codegen::CodegenOptions options;
  options.target.cpu = cpu;
  uint32_t seed = 100;
  // Flat direct, row direct (stride 2), implicit GEMM, pointwise GEMM.
  for (const ConvCase& c : {kCases[0], kCases[9], kCases[1], kCases[4]}) {
    for (bool fits : {true, false}) {
      ir::Graph g;
      ir::ValueId x = g.addInput("x", {DType::f32, c.x});
      ir::Attributes a;
      a.set("strides", c.strides);
      a.set("pads", c.pads);
      a.set("dilations", c.dilations);
      ir::ValueId y = g.addOp1(OpKind::Conv, {x, g.addParam("w", randomTensor(DType::f32, c.w, seed++))}, "y", a);
      ir::Shape out = ir::inferResultTypes(g, g.ops().back())[0].shape;
      int64_t channels = c.w.dims[0];
      ir::ValueId bias = g.addParam("b", randomTensor(DType::f32, ir::Shape({channels, 1, 1}), seed++));
      ir::ValueId r = g.addOp1(OpKind::Relu, {g.addOp1(OpKind::Add, {y, bias}, "yb")}, "r");
      // The residual has the output's shape; the other operand varies along the last dim only (no fusion).
      ir::ValueId other = fits ? g.addInput("res", {DType::f32, out})
                               : g.addParam("q", randomTensor(DType::f32, ir::Shape({out.dims.back()}), seed++));
      g.setOutputs({g.addOp1(OpKind::Mul, {g.addOp1(OpKind::Add, {r, other}, "z"), r}, "out")});
      std::vector<ir::Tensor> inputs{randomTensor(DType::f32, c.x, seed++)};
      if (fits) inputs.push_back(randomTensor(DType::f32, out, seed++));
      std::string name = fmt::format("{}_fused_conv_{}_{}_{}", tag, c.x.xstr(), c.w.xstr(), fits);
      testing::expectCompiledEqualsInterpreter(std::move(g), inputs, name, 1e-5, 1e-4, options);
    }
  }
}

TEST(ConvGemmKernel, Avx512) { expectAll("", "avx512"); }
TEST(ConvGemmKernel, Avx2) { expectAll("x86-64-v3", "avx2"); }
TEST(ConvGemmKernel, Sse) { expectAll("x86-64-v2", "sse"); }
TEST(ConvGemmKernel, FusedEpiloguesAvx512) { expectFused("", "avx512"); }
TEST(ConvGemmKernel, FusedEpiloguesAvx2) { expectFused("x86-64-v3", "avx2"); }

}  // namespace
}  // namespace shardc
