// The blocked f32 MatMul against the reference interpreter, for every vector width it is built for: AVX-512 (this
// machine), AVX2 (x86-64-v3) and SSE (x86-64-v2), each run here. Shapes cover a single element, odd sizes, rows
// past the last full tile (the tile is 8 rows with AVX-512, 6 otherwise), columns past the last full vector and
// past the last full tile, k past one block of 256 and n past one block of 512, batched operands, broadcast, and
// MatMuls of 128 rows or more, whose weight is packed at load time (an activation B of as many rows is packed per
// run).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "kernel_test_util.h"

namespace shardc {
namespace {
using ir::DType;
using ir::OpKind;
using testing::randomTensor;

struct Case {
  ir::Shape a, b;
};

const std::vector<Case> kCases = {
    {{1, 1}, {1, 1}},          {{1, 255}, {255, 17}},  {{3, 17}, {17, 5}},     {{17, 255}, {255, 3}},
    {{9, 300}, {300, 40}},     {{13, 513}, {513, 33}}, {{7, 20}, {20, 600}},   {{64, 64}, {64, 64}},
    {{2, 3, 5, 9}, {9, 17}},   {{5, 9}, {2, 9, 31}},   {{2, 6, 10}, {2, 10, 6}},
    // 128 rows or more: the weight B packed once at load time, A per row of tiles, with row, column and k tails;
    // then work items of two row groups and three column blocks (the last short), k in three blocks; and a batch
    // sharing one packed B
    {{130, 300}, {300, 70}},   {{257, 20}, {20, 600}}, {{2, 128, 17}, {17, 33}},
    {{300, 600}, {600, 1100}}, {{2, 130, 70}, {70, 600}},
};

void expectAll(const std::string& cpu, const std::string& tag) {
  codegen::CodegenOptions options;
  options.target.cpu = cpu;
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    ir::Graph g;
    ir::ValueId x = g.addInput("a", {DType::f32, c.a});
    ir::ValueId w = g.addParam("w", randomTensor(DType::f32, c.b, seed++));
    g.setOutputs({g.addOp1(OpKind::MatMul, {x, w}, "c")});
    std::string name = tag + "_" + c.a.xstr() + "_" + c.b.xstr();
    testing::expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, c.a, seed++)}, name, 1e-5, 1e-4,
                                             options);
  }
}

TEST(GemmKernel, Avx512) { expectAll("", "avx512"); }
TEST(GemmKernel, Avx2) { expectAll("x86-64-v3", "avx2"); }
TEST(GemmKernel, Sse) { expectAll("x86-64-v2", "sse"); }

// Both operands computed at run time (no parameter), with a bias added after: the kernel reads any buffer; with
// 150 rows it packs B itself, every run.
TEST(GemmKernel, ActivationsTimesActivationsPackedPerRun) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {150, 300}});
  ir::ValueId y = g.addInput("y", {DType::f32, {300, 45}});
  g.setOutputs({g.addOp1(OpKind::MatMul, {x, y}, "m")});
  testing::expectCompiledEqualsInterpreter(std::move(g),
                                           {randomTensor(DType::f32, ir::Shape({150, 300}), 1),
                                            randomTensor(DType::f32, ir::Shape({300, 45}), 2)},
                                           "act_act_packed", 1e-5, 1e-4);
}

TEST(GemmKernel, ActivationsTimesActivations) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {19, 37}});
  ir::ValueId y = g.addInput("y", {DType::f32, {37, 45}});
  ir::ValueId c = g.addParam("bias", randomTensor(DType::f32, ir::Shape({45}), 3));
  g.setOutputs({g.addOp1(OpKind::Add, {g.addOp1(OpKind::MatMul, {x, y}, "m"), c}, "c")});
  testing::expectCompiledEqualsInterpreter(std::move(g),
                                           {randomTensor(DType::f32, ir::Shape({19, 37}), 1),
                                            randomTensor(DType::f32, ir::Shape({37, 45}), 2)},
                                           "act_act", 1e-5, 1e-4);
}

// Epilogues fused into the GEMM's store: bias and ReLU, a residual add, a scalar scale then sigmoid, GELU's tanh
// form (the product read five times, all inside the group), GELU's erf form; over shapes with
// row, column and k tails, batched operands, and 130 rows (packed operands); for every vector width.
void epilogueCases(const std::string& cpu, const std::string& tag) {
  codegen::CodegenOptions options;
  options.target.cpu = cpu;
  struct Shapes {
    ir::Shape a, b;
  };
  uint32_t seed = 100;
  for (const Shapes& c : std::vector<Shapes>{{{3, 17}, {17, 5}}, {{9, 300}, {300, 40}}, {{130, 33}, {33, 70}},
                                             {{2, 5, 9}, {9, 19}}}) {
    ir::Shape out = c.a;
    out.dims.back() = c.b.dims.back();
    int64_t n = c.b.dims.back();
    for (int variant = 0; variant < 5; ++variant) {
      ir::Graph g;
      ir::ValueId x = g.addInput("a", {DType::f32, c.a});
      ir::ValueId m = g.addOp1(OpKind::MatMul, {x, g.addParam("w", randomTensor(DType::f32, c.b, seed++))}, "m");
      std::vector<ir::Tensor> inputs{randomTensor(DType::f32, c.a, seed++)};
      ir::ValueId y;
      if (variant == 0) {
        ir::ValueId bias = g.addParam("bias", randomTensor(DType::f32, ir::Shape({n}), seed++));
        y = g.addOp1(OpKind::Relu, {g.addOp1(OpKind::Add, {m, bias}, "biased")}, "y");
      } else if (variant == 1) {
        ir::ValueId r = g.addInput("residual", {DType::f32, out});
        inputs.push_back(randomTensor(DType::f32, out, seed++));
        y = g.addOp1(OpKind::Add, {r, m}, "y");
      } else if (variant == 2) {
        ir::ValueId scale = g.addParam("scale", randomTensor(DType::f32, ir::Shape(std::vector<int64_t>{}), seed++));
        y = g.addOp1(OpKind::Sigmoid, {g.addOp1(OpKind::Mul, {m, scale}, "scaled")}, "y");
      } else if (variant == 4) {
        // The erf form of GELU: 0.5 m (1 + erf(m / sqrt 2)).
        auto scalar = [&](const char* name, double v) {
          return g.addParam(name, ir::Tensor::fromDoubles(DType::f32, ir::Shape(std::vector<int64_t>{}), {v}));
        };
        ir::ValueId e = g.addOp1(OpKind::Erf, {g.addOp1(OpKind::Div, {m, scalar("r2", 1.4142135623730951)}, "d")}, "e");
        ir::ValueId half = g.addOp1(OpKind::Mul, {m, scalar("h", 0.5)}, "half");
        y = g.addOp1(OpKind::Mul, {half, g.addOp1(OpKind::Add, {e, scalar("one", 1.0)}, "onep")}, "y");
      } else {
        // The tanh form of GELU: 0.5 m (1 + tanh(0.79788 (m + 0.044715 m^3))).
        auto scalar = [&](const char* name, double v) {
          return g.addParam(name, ir::Tensor::fromDoubles(DType::f32, ir::Shape(std::vector<int64_t>{}), {v}));
        };
        ir::ValueId cube = g.addOp1(OpKind::Mul, {g.addOp1(OpKind::Mul, {m, m}, "m2"), m}, "m3");
        ir::ValueId inner = g.addOp1(OpKind::Add, {m, g.addOp1(OpKind::Mul, {cube, scalar("k", 0.044715)}, "km3")}, "in");
        ir::ValueId th = g.addOp1(OpKind::Tanh, {g.addOp1(OpKind::Mul, {inner, scalar("s", 0.7978845608)}, "sin")}, "th");
        ir::ValueId half = g.addOp1(OpKind::Mul, {m, scalar("h", 0.5)}, "half");
        y = g.addOp1(OpKind::Mul, {half, g.addOp1(OpKind::Add, {th, scalar("one", 1.0)}, "onep")}, "y");
      }
      g.setOutputs({y});
      std::string name = fmt::format("{}_epilogue{}_{}_{}", tag, variant, c.a.xstr(), c.b.xstr());
      testing::expectCompiledEqualsInterpreter(std::move(g), inputs, name, 1e-5, 1e-4, options);
    }
  }
}

// The residual of a fused epilogue is an arena value whose last reader is the group: the GEMM's partial sums, kept
// in the group's result buffer, must not be where the residual lives.
TEST(GemmKernel, EpilogueResidualFromTheArena) {
  for (int64_t k : {40, 300}) {  // one k block, and two: partial sums are stored before the residual is read
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::f32, {9, 20}});
    ir::ValueId a = g.addInput("a", {DType::f32, {9, k}});
    ir::ValueId r = g.addOp1(OpKind::Relu, {g.addOp1(OpKind::Neg, {x}, "nx")}, "r");
    ir::ValueId w = g.addParam("w", randomTensor(DType::f32, ir::Shape({k, 20}), 5));
    ir::ValueId m = g.addOp1(OpKind::MatMul, {a, w}, "m");
    g.setOutputs({g.addOp1(OpKind::Add, {r, m}, "y")});
    testing::expectCompiledEqualsInterpreter(std::move(g),
                                             {randomTensor(DType::f32, ir::Shape({9, 20}), 6),
                                              randomTensor(DType::f32, ir::Shape({9, k}), 7)},
                                             "residual_arena_" + std::to_string(k), 1e-5, 1e-4);
  }
}

TEST(GemmKernel, EpiloguesAvx512) { epilogueCases("", "avx512"); }
TEST(GemmKernel, EpiloguesAvx2) { epilogueCases("x86-64-v3", "avx2"); }
TEST(GemmKernel, EpiloguesSse) { epilogueCases("x86-64-v2", "sse"); }

}  // namespace
}  // namespace shardc
