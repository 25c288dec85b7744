#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/verifier.h"
#include "pass_test_util.h"

namespace shardc {
namespace {
using testing::runPassOnText;

// Gemm(A, B^T) + C with B a parameter: the transpose is done now, on the weight, which keeps its name.
TEST(Canonicalize, GemmWithTransposedWeightBecomesMatMulAndAdd) {
  ir::Graph g;
  ir::ValueId a = g.addInput("a", {ir::DType::f32, {2, 3}});
  ir::ValueId w = g.addParam("w", ir::Tensor::fromDoubles(ir::DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6}));
  ir::ValueId c = g.addParam("c", ir::Tensor::fromDoubles(ir::DType::f32, {2}, {1, 2}));
  ir::Attributes attrs;
  attrs.set("transB", int64_t{1});
  ir::ValueId y = g.addOp1(ir::OpKind::Gemm, {a, w, c}, "y", attrs, "fc");
  g.setOutputs({y});
  passes::runShapeInference(g);
  passes::runCanonicalize(g);
  ir::verifyGraph(g);
  ir::PrintOptions all;
  all.elideAbove = -1;
  EXPECT_EQ(ir::printGraph(g, all), R"(graph @main {
  input %a : f32[2,3]
  param %c : f32[2] = 0x0000803f00000040
  param %w : f32[3,2] = 0x0000803f00008040000000400000a040000040400000c040
  %y.matmul = MatMul(%a, %w) loc("fc") : f32[2,2]
  %y = Add(%y.matmul, %c) loc("fc") : f32[2,2]
  output %y
}
)");
  ir::Tensor in0 = ir::Tensor::fromDoubles(ir::DType::f32, {2, 3}, {1, 0, 0, 0, 1, 1});
  std::vector<ir::Tensor> out = ir::interpret(g, {in0});
  // Row 0: [1,0,0]·w^T = [1,4]; row 1: [0,1,1]·w^T = [5,11]; plus c.
  EXPECT_EQ(out[0].data<float>()[0], 2.0f);
  EXPECT_EQ(out[0].data<float>()[1], 6.0f);
  EXPECT_EQ(out[0].data<float>()[2], 6.0f);
  EXPECT_EQ(out[0].data<float>()[3], 13.0f);
}

TEST(Canonicalize, GemmAlphaBetaBecomeScalarMultiplies) {
  std::string out = runPassOnText("canonicalize", R"(graph @g {
  input %a : f32[2,2]
  input %b : f32[2,2]
  input %c : f32[2,2]
  %y = Gemm(%a, %b, %c) {alpha = 0.5, beta = 2.0, transA = 1} : f32[2,2]
  output %y
}
)");
  EXPECT_EQ(out, R"(graph @g {
  input %a : f32[2,2]
  input %b : f32[2,2]
  input %c : f32[2,2]
  param %y.alpha : f32[] = 0x0000003f
  param %y.beta : f32[] = 0x00000040
  %y.a_t = Transpose(%a) {perm = [1, 0]} : f32[2,2]
  %y.matmul = MatMul(%y.a_t, %b) : f32[2,2]
  %y.scaled = Mul(%y.matmul, %y.alpha) : f32[2,2]
  %y.c_scaled = Mul(%c, %y.beta) : f32[2,2]
  %y = Add(%y.scaled, %y.c_scaled) : f32[2,2]
  output %y
}
)");
}

TEST(Canonicalize, FlattenBecomesStaticReshape) {
  std::string out = runPassOnText("canonicalize", R"(graph @g {
  input %x : f32[2,3,4]
  %y = Flatten(%x) {axis = 2} : f32[6,4]
  output %y
}
)");
  EXPECT_EQ(out, R"(graph @g {
  input %x : f32[2,3,4]
  %y = Reshape(%x) {shape = [6, 4]} : f32[6,4]
  output %y
}
)");
}

TEST(Canonicalize, FoldsShapeArithmeticOnParameters) {
  std::string out = runPassOnText("canonicalize", R"(graph @g {
  input %x : i64[2]
  param %p : i64[2] = 0x01000000000000000200000000000000
  param %q : i64[2] = 0x03000000000000000400000000000000
  %s = Add(%p, %q) : i64[2]
  %t = Mul(%s, %x) : i64[2]
  output %t
}
)");
  EXPECT_EQ(out, R"(graph @g {
  input %x : i64[2]
  param %s : i64[2] = 0x04000000000000000600000000000000
  %t = Mul(%s, %x) : i64[2]
  output %t
}
)");
}

TEST(Canonicalize, BypassesIdentityAndDropsDeadOps) {
  std::string out = runPassOnText("canonicalize", R"(graph @g {
  input %x : f32[3]
  %i = Identity(%x) : f32[3]
  %dead = Exp(%i) : f32[3]
  %y = Relu(%i) : f32[3]
  output %y
}
)");
  EXPECT_EQ(out, R"(graph @g {
  input %x : f32[3]
  %y = Relu(%x) : f32[3]
  output %y
}
)");
}

TEST(Canonicalize, KeepsIdentityThatNamesAnOutput) {
  std::string out = runPassOnText("canonicalize", R"(graph @g {
  input %x : f32[3]
  %y = Identity(%x) : f32[3]
  output %y
}
)");
  EXPECT_EQ(out, R"(graph @g {
  input %x : f32[3]
  %y = Identity(%x) : f32[3]
  output %y
}
)");
}

}  // namespace
}  // namespace shardc
