// Every kernel kind, compiled and run, against the reference interpreter on random shapes with odd sizes.
#include <cmath>
#include <limits>
#include <filesystem>
#include <cstring>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "kernel_test_util.h"

namespace shardc {
namespace {
using ir::DType;
using ir::OpKind;
using testing::expectCompiledEqualsInterpreter;
using testing::randomTensor;

ir::Attributes attrs(std::initializer_list<std::pair<std::string, ir::Attribute>> list) {
  ir::Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

void unaryCase(OpKind kind, DType t, ir::Shape shape, const std::string& name) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {t, shape});
  // Sqrt of a negative is NaN in both; keep the inputs positive so the comparison means something.
  ir::Tensor in = randomTensor(t, shape, 1);
  if (kind == OpKind::Sqrt)
    for (int64_t i = 0; i < in.numElements(); ++i) in.data<float>()[i] = std::fabs(in.data<float>()[i]);
  g.setOutputs({g.addOp1(kind, {x}, "y")});
  expectCompiledEqualsInterpreter(std::move(g), {in}, name);
}

TEST(CodegenKernels, UnaryFloatOpsOnOddSizes) {
  for (OpKind k : {OpKind::Neg, OpKind::Relu, OpKind::Sigmoid, OpKind::Tanh, OpKind::Exp, OpKind::Sqrt, OpKind::Abs,
                   OpKind::Log, OpKind::Reciprocal, OpKind::Erf, OpKind::Floor, OpKind::Ceil})
    for (int64_t n : {1, 3, 17, 255}) unaryCase(k, DType::f32, {n}, std::string(ir::opKindName(k)) + std::to_string(n));
  unaryCase(OpKind::Tanh, DType::f64, {3, 17}, "tanh_f64");
}

TEST(CodegenKernels, UnaryIntegerOps) {
  unaryCase(OpKind::Neg, DType::i32, {17}, "neg_i32");
  unaryCase(OpKind::Relu, DType::i64, {3, 5}, "relu_i64");
  unaryCase(OpKind::Abs, DType::i32, {17}, "abs_i32");
  unaryCase(OpKind::Abs, DType::i8, {17}, "abs_i8");
  unaryCase(OpKind::Abs, DType::u8, {17}, "abs_u8");
}

void binaryCase(OpKind kind, DType t, ir::Shape a, ir::Shape b, const std::string& name) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {t, a});
  ir::ValueId y = g.addInput("y", {t, b});
  g.setOutputs({g.addOp1(kind, {x, y}, "z")});
  expectCompiledEqualsInterpreter(std::move(g), {randomTensor(t, a, 2), randomTensor(t, b, 3, kind == OpKind::Div)},
                                  name);
}

TEST(CodegenKernels, BinaryOpsBroadcast) {
  for (OpKind k : {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div, OpKind::Pow, OpKind::Max, OpKind::Min}) {
    std::string n(ir::opKindName(k));
    binaryCase(k, DType::f32, {17, 1}, {1, 3}, n + "_outer");
    binaryCase(k, DType::f32, {255}, {}, n + "_scalar");
    binaryCase(k, DType::f32, {2, 3, 17}, {3, 1}, n + "_middle");
  }
}

// Max and Min let a NaN on either side win, as the interpreter (numpy's maximum) does.
TEST(CodegenKernels, MaxMinLetNaNWinFromEitherSide) {
  const double nan = std::nan("");
  for (OpKind k : {OpKind::Max, OpKind::Min}) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::f32, {4}});
    ir::ValueId y = g.addInput("y", {DType::f32, {4}});
    g.setOutputs({g.addOp1(k, {x, y}, "z")});
    expectCompiledEqualsInterpreter(std::move(g),
                                    {ir::Tensor::fromDoubles(DType::f32, {4}, {nan, 1, 2, nan}),
                                     ir::Tensor::fromDoubles(DType::f32, {4}, {1, nan, 3, nan})},
                                    std::string(ir::opKindName(k)) + "_nan");
  }
}

TEST(CodegenKernels, BinaryIntegerOps) {
  for (DType t : {DType::i32, DType::i64, DType::u8, DType::i8})
    for (OpKind k : {OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div, OpKind::Max, OpKind::Min})
      binaryCase(k, t, {3, 17}, {17}, std::string(ir::opKindName(k)) + "_" + std::string(ir::dtypeName(t)));
}

// Mul, Add and Relu fuse into one loop; the result equals the unfused reference.
TEST(CodegenKernels, FusedElementwiseChain) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {17, 3}});
  ir::ValueId y = g.addInput("y", {DType::f32, {3}});
  ir::ValueId z = g.addInput("z", {DType::f32, {17, 3}});
  ir::ValueId m = g.addOp1(OpKind::Mul, {x, y}, "m");
  ir::ValueId s = g.addOp1(OpKind::Add, {m, z}, "s");
  ir::ValueId e = g.addOp1(OpKind::Exp, {s}, "e");
  g.setOutputs({g.addOp1(OpKind::Relu, {e}, "r")});
  expectCompiledEqualsInterpreter(std::move(g),
                                  {randomTensor(DType::f32, {17, 3}, 4), randomTensor(DType::f32, {3}, 5),
                                   randomTensor(DType::f32, {17, 3}, 6)},
                                  "fused");
}

void matmulCase(ir::Shape a, ir::Shape b, const std::string& name, DType t = DType::f32) {
  ir::Graph g;
  ir::ValueId x = g.addInput("a", {t, a});
  ir::ValueId w = g.addParam("w", randomTensor(t, b, 8));
  g.setOutputs({g.addOp1(OpKind::MatMul, {x, w}, "c")});
  expectCompiledEqualsInterpreter(std::move(g), {randomTensor(t, a, 7)}, name, 1e-5, 1e-5);
}

TEST(CodegenKernels, MatMulShapes) {
  matmulCase({1, 1}, {1, 1}, "mm_1");
  matmulCase({3, 17}, {17, 5}, "mm_3x17x5");
  matmulCase({17, 255}, {255, 3}, "mm_17x255x3");
  matmulCase({255, 3}, {3, 17}, "mm_255x3x17");
  matmulCase({2, 3, 4}, {4, 5}, "mm_batched");
  matmulCase({3, 4}, {2, 4, 5}, "mm_broadcast_a");
  matmulCase({17}, {17, 3}, "mm_vector_left");
  matmulCase({3, 17}, {17}, "mm_vector_right");
  matmulCase({3, 4}, {4, 5}, "mm_i32", DType::i32);
}

void reduceCase(OpKind kind, DType t, ir::Shape s, std::vector<int64_t> axes, int64_t keep, const std::string& name) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {t, s});
  g.setOutputs({g.addOp1(kind, {x}, "r", attrs({{"axes", axes}, {"keepdims", keep}}))});
  expectCompiledEqualsInterpreter(std::move(g), {randomTensor(t, s, 9)}, name);
}

TEST(CodegenKernels, Reductions) {
  for (OpKind k : {OpKind::ReduceSum, OpKind::ReduceMean}) {
    std::string n(ir::opKindName(k));
    reduceCase(k, DType::f32, {3, 17, 5}, {1}, 1, n + "_mid_keep");
    reduceCase(k, DType::f32, {3, 17, 5}, {0, 2}, 0, n + "_outer_drop");
    reduceCase(k, DType::f32, {255}, {}, 0, n + "_all");
    reduceCase(k, DType::i64, {3, 17}, {1}, 1, n + "_i64");
    // Trailing dims: the vector kernel, full vectors, a masked last one, and blocks of one element.
    reduceCase(k, DType::f32, {3, 17, 35}, {1, 2}, 1, n + "_trailing_keep");
    reduceCase(k, DType::f32, {4, 64}, {-1}, 0, n + "_rows");
    reduceCase(k, DType::f32, {2, 3, 1, 1}, {2, 3}, 0, n + "_ones");
  }
}

TEST(CodegenKernels, MaxAndMinReductions) {
  for (OpKind k : {OpKind::ReduceMax, OpKind::ReduceMin}) {
    std::string n(ir::opKindName(k));
    reduceCase(k, DType::f32, {3, 17, 5}, {1}, 1, n + "_mid_keep");
    reduceCase(k, DType::f64, {3, 17, 5}, {0, 2}, 0, n + "_outer_drop");
    reduceCase(k, DType::f32, {255}, {}, 0, n + "_all");
    reduceCase(k, DType::f32, {3, 17, 35}, {2, 1}, 0, n + "_trailing");
    // Signed and unsigned compare differently on the same bits.
    for (DType t : {DType::i8, DType::u8, DType::i32, DType::u32, DType::i64})
      reduceCase(k, t, {3, 17}, {1}, 0, n + "_" + std::string(ir::dtypeName(t)));
    reduceCase(k, DType::f32, {0, 3}, {0}, 1, n + "_empty");
  }
  // A NaN anywhere in a row wins, wherever it is.
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {3, 3}});
  g.setOutputs({g.addOp1(OpKind::ReduceMax, {x}, "r", attrs({{"axes", std::vector<int64_t>{1}}}))});
  const float nan = std::nanf("");
  ir::Tensor in = ir::Tensor::fromDoubles(DType::f32, {3, 3}, {nan, 1, 2, 1, nan, 2, 1, 2, 3});
  expectCompiledEqualsInterpreter(std::move(g), {in}, "max_nan");
}

TEST(CodegenKernels, SoftmaxEveryAxis) {
  for (int64_t axis : {0, 1, 2}) {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::f32, {3, 17, 5}});
    g.setOutputs({g.addOp1(OpKind::Softmax, {x}, "s", attrs({{"axis", axis}}))});
    expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, {3, 17, 5}, 10)},
                                    "softmax" + std::to_string(axis));
  }
}

// The last axis in vectors: rows of 1, 3, 16, 17 and 255 (a masked last vector or none), enough rows for the
// threads' split, for AVX-512 and AVX2; a row holding -inf and one holding a NaN.
TEST(CodegenKernels, SoftmaxOverTheLastAxisInVectors) {
  for (const char* cpu : {"", "x86-64-v3"}) {
    codegen::CodegenOptions options;
    options.target.cpu = cpu;
    for (int64_t n : {1, 3, 16, 17, 255}) {
      ir::Shape s({70, n});
      ir::Graph g;
      ir::ValueId x = g.addInput("x", {DType::f32, s});
      g.setOutputs({g.addOp1(OpKind::Softmax, {x}, "s", attrs({{"axis", int64_t{-1}}}))});
      expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, s, uint32_t(n))},
                                      fmt::format("softmax_rows_{}_{}", n, cpu), 1e-5, 1e-6, options);
    }
  }
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, {2, 3}});
  g.setOutputs({g.addOp1(OpKind::Softmax, {x}, "s", attrs({{"axis", int64_t{1}}}))});
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  expectCompiledEqualsInterpreter(std::move(g), {ir::Tensor::fromDoubles(DType::f32, {2, 3}, {-inf, 0, 1, nan, 2, 3})},
                                  "softmax_inf_nan");
}

// exp in straight-line vector code: within 2 ulp of libm's where the result is a normal float (up to FLT_MAX at
// 88.72), within 4 units of a subnormal result (down to -103.9), +inf and 0 beyond, exp(-inf) = 0, NaN kept;
// Sigmoid, built on it, to 1e-6; tanh to 2e-7 relative (above 1e-3; absolute below), ±1 at ±inf, NaN kept; erf
// to 2e-7 relative below |x| = 0.75 and 3e-7 absolute above, ±1 at ±inf.
TEST(CodegenKernels, ExpSigmoidTanhAndErfInVectorCode) {
  std::vector<double> xs;
  for (int i = -900; i <= 900; ++i) xs.push_back(i / 10.0 + 0.0123);
  for (double v : {0.0, -0.0, 1e-8, -1e-8, 88.3, 88.5, 88.72, 88.73, 89.0, -87.3, -87.4, -95.0, -103.9, -104.0, -200.0})
    xs.push_back(v);
  const double inf = std::numeric_limits<double>::infinity();
  xs.push_back(inf);
  xs.push_back(-inf);
  xs.push_back(std::nan(""));
  ir::Shape s({int64_t(xs.size())});
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {DType::f32, s});
  g.setOutputs({g.addOp1(OpKind::Exp, {x}, "e"), g.addOp1(OpKind::Sigmoid, {x}, "sig"), g.addOp1(OpKind::Tanh, {x}, "th"),
                g.addOp1(OpKind::Erf, {x}, "erf")});
  ir::Tensor in = ir::Tensor::fromDoubles(DType::f32, s, xs);
  std::string dir = testing::workDir("exp_edges");
  for (const ir::Op& op : g.ops()) g.value(op.results[0]).type = ir::inferResultTypes(g, op)[0];
  std::vector<ir::Tensor> got = tools::compileAndRun(g, {in}, dir);
  std::filesystem::remove_all(dir);
  for (size_t i = 0; i < xs.size(); ++i) {
    float xf = in.data<float>()[i];
    float e = got[0].data<float>()[i], want = std::exp(xf);
    if (std::isnan(xf)) {
      EXPECT_TRUE(std::isnan(e));
    } else if (xf > 88.72283935546875f) {
      EXPECT_EQ(e, std::numeric_limits<float>::infinity()) << xf;
    } else if (xf < -103.97208f) {
      EXPECT_EQ(e, 0.0f) << xf;
    } else {
      // Distance in units in the last place (for a subnormal, in units of the smallest subnormal).
      int32_t a, b;
      std::memcpy(&a, &e, 4);
      std::memcpy(&b, &want, 4);
      EXPECT_LE(std::abs(a - b), want < 1.17549435e-38f ? 4 : 2) << "exp(" << xf << ") = " << e << ", want " << want;
    }
    float sig = got[1].data<float>()[i];
    if (!std::isnan(xf)) EXPECT_NEAR(sig, 1.0 / (1.0 + std::exp(-double(xf))), 1e-6) << xf;
    float th = got[2].data<float>()[i];
    double tanhWant = std::tanh(double(xf));
    if (std::isnan(xf)) EXPECT_TRUE(std::isnan(th));
    else EXPECT_NEAR(th, tanhWant, 2e-7 * std::max(1e-3, std::abs(tanhWant))) << "tanh(" << xf << ")";
    float er = got[3].data<float>()[i];
    double erfWant = std::erf(double(xf));
    if (std::isnan(xf)) EXPECT_TRUE(std::isnan(er));
    else EXPECT_NEAR(er, erfWant, std::abs(xf) < 0.75 ? 2e-7 * std::abs(erfWant) + 1e-30 : 3e-7) << "erf(" << xf << ")";
  }
}

TEST(CodegenKernels, TransposeConcatReshape) {
  {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::f32, {3, 17, 5}});
    g.setOutputs({g.addOp1(OpKind::Transpose, {x}, "t", attrs({{"perm", std::vector<int64_t>{2, 0, 1}}}))});
    expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, {3, 17, 5}, 11)}, "transpose");
  }
  {
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::i64, {3, 2}});
    ir::ValueId y = g.addInput("y", {DType::i64, {3, 17}});
    g.setOutputs({g.addOp1(OpKind::Concat, {x, y, x}, "c", attrs({{"axis", int64_t{1}}}))});
    expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::i64, {3, 2}, 12), randomTensor(DType::i64, {3, 17}, 13)},
                                    "concat");
  }
  {
    // A reshape in the middle aliases its operand; one at the end is copied into the output.
    ir::Graph g;
    ir::ValueId x = g.addInput("x", {DType::f32, {3, 17}});
    ir::ValueId e = g.addOp1(OpKind::Exp, {x}, "e");
    ir::ValueId r = g.addOp1(OpKind::Reshape, {e}, "r", attrs({{"shape", std::vector<int64_t>{17, 3}}}));
    ir::ValueId n = g.addOp1(OpKind::Neg, {r}, "n");
    ir::ValueId o = g.addOp1(OpKind::Reshape, {n}, "o", attrs({{"shape", std::vector<int64_t>{51}}}));
    g.setOutputs({o, x});
    expectCompiledEqualsInterpreter(std::move(g), {randomTensor(DType::f32, {3, 17}, 14)}, "reshape");
  }
}

}  // namespace
}  // namespace shardc
