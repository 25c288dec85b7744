#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/parser.h"
#include "ir/verifier.h"

namespace shardc::ir {
namespace {

std::string verifyError(Graph g) {
  try {
    verifyGraph(g);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Verifier, AcceptsAWellFormedGraph) {
  EXPECT_EQ(verifyError(parseGraph("graph @g {\n  input %x : f32[2,3]\n  %y = Relu(%x) : f32[2,3]\n  output %y\n}\n")), "");
}

TEST(Verifier, RejectsAResultTypeThatDisagreesWithInference) {
  EXPECT_EQ(verifyError(parseGraph("graph @g {\n  input %x : f32[2,3]\n  %y = Relu(%x) loc(\"r\") : f32[3,2]\n  output %y\n}\n")),
            "node 'r' (Relu): result %y has type f32[3,2], inferred f32[2,3]");
}

TEST(Verifier, RejectsOperandsThatDoNotFitTheOp) {
  EXPECT_EQ(verifyError(parseGraph("graph @g {\n  input %a : f32[2,3]\n  input %b : f32[2,3]\n"
                                   "  %c = MatMul(%a, %b) : f32[2,3]\n  output %c\n}\n")),
            "MatMul producing %c: inner dimensions differ: [2,3] and [2,3]");
}

TEST(Verifier, RejectsUseBeforeDefinition) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  OpId first = g.addOp(OpKind::Relu, {x}, {"a"});
  OpId second = g.addOp(OpKind::Neg, {g.op(first).results[0]}, {"b"});
  g.value(g.op(first).results[0]).type = {DType::f32, {2}};
  g.value(g.op(second).results[0]).type = {DType::f32, {2}};
  g.setOutputs({g.op(second).results[0]});
  std::swap(g.ops()[0], g.ops()[1]);
  EXPECT_EQ(verifyError(g), "Neg producing %b: operand %a is used before it is defined");
}

TEST(Verifier, RejectsAGraphWithoutOutputs) {
  EXPECT_EQ(verifyError(parseGraph("graph @g {\n  input %x : f32[2]\n}\n")), "graph 'g' has no outputs");
}

TEST(Verifier, RejectsParameterDataOfAnotherType) {
  Graph g;
  ValueId p = g.addParam("w", Tensor::fromDoubles(DType::f32, {2}, {1, 2}));
  g.value(p).type = {DType::f32, {3}};
  g.setOutputs({p});
  EXPECT_EQ(verifyError(g), "parameter 'w' is declared f32[3] but holds f32[2]");
}

}  // namespace
}  // namespace shardc::ir
