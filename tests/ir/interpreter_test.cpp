// The interpreter's driver: input checks, parameters, program order, outputs, and how errors name what failed.
#include <gtest/gtest.h>

#include "interpreter_test_util.h"

namespace shardc::ir {
namespace {

using namespace testing;

// x: f32[1,784] → Relu → r.
Graph reluGraph() {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {1, 784}});
  ValueId r = g.addOp1(OpKind::Relu, {x}, "r");
  inferTypes(g);
  g.setOutputs({r});
  return g;
}

TEST(InterpreterDriver, RejectsAnInputOfTheWrongShapeNamingIt) {
  Graph g = reluGraph();
  EXPECT_EQ(errorOf([&] { interpret(g, {Tensor(DType::f32, {2, 784})}); }),
            "input 'x': expected f32[1,784], got f32[2,784]");
}

TEST(InterpreterDriver, RejectsAnInputOfTheWrongDtypeNamingIt) {
  Graph g = reluGraph();
  EXPECT_EQ(errorOf([&] { interpret(g, {Tensor(DType::f64, {1, 784})}); }),
            "input 'x': expected f32[1,784], got f64[1,784]");
}

TEST(InterpreterDriver, RejectsTheWrongNumberOfInputs) {
  Graph g = reluGraph();
  EXPECT_EQ(errorOf([&] { interpret(g, {}); }), "the graph has 1 input(s), 0 given");
  Tensor x(DType::f32, {1, 784});
  EXPECT_EQ(errorOf([&] { interpret(g, {x, x}); }), "the graph has 1 input(s), 2 given");
}

TEST(InterpreterDriver, RejectsAGraphInputWithADynamicShape) {
  Graph g;
  Shape s({kDynamicDim, 4});
  s.dimNames = {"batch", ""};
  ValueId x = g.addInput("x", {DType::f32, s});
  ValueId r = g.addOp1(OpKind::Neg, {x}, "r");
  inferTypes(g);
  g.setOutputs({r});
  EXPECT_EQ(errorOf([&] { interpret(g, {Tensor(DType::f32, {2, 4})}); }),
            "input 'x' has the dynamic type f32[batch,4]: give it a static shape first");
}

TEST(InterpreterDriver, RejectsAParameterWithoutData) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {3}});
  ValueId w = g.addParam("w", TensorType{DType::f32, {3}});
  ValueId r = g.addOp1(OpKind::Add, {x, w}, "r");
  inferTypes(g);
  g.setOutputs({r});
  EXPECT_EQ(errorOf([&] { interpret(g, {f32({3}, {1, 2, 3})}); }), "parameter 'w' has no data");
}

TEST(InterpreterDriver, RunsOpsInProgramOrderThroughIntermediateValues) {
  // y = relu(x @ w + b) - x @ w, with x [1,2], w [2,3], b [3].
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {1, 2}});
  ValueId w = g.addParam("w", f32({2, 3}, {1, -2, 3, -4, 5, -6}));
  ValueId b = g.addParam("b", f32({3}, {10, 0, -100}));
  ValueId mm = g.addOp1(OpKind::MatMul, {x, w}, "mm");
  ValueId sum = g.addOp1(OpKind::Add, {mm, b}, "sum");
  ValueId relu = g.addOp1(OpKind::Relu, {sum}, "relu");
  ValueId y = g.addOp1(OpKind::Sub, {relu, mm}, "y");
  inferTypes(g);
  g.setOutputs({y, mm});
  std::vector<Tensor> out = interpret(g, {f32({1, 2}, {1, 2})});
  ASSERT_EQ(out.size(), 2u);
  // x @ w = [1-8, -2+10, 3-12] = [-7, 8, -9]; + b = [3, 8, -109]; relu = [3, 8, 0]; - x@w = [10, 0, 9].
  EXPECT_EQ(out[1].type().str(), "f32[1,3]");
  EXPECT_EQ(values(out[1]), (std::vector<double>{-7, 8, -9}));
  EXPECT_EQ(out[0].type().str(), "f32[1,3]");
  EXPECT_EQ(values(out[0]), (std::vector<double>{10, 0, 9}));
}

TEST(InterpreterDriver, ReturnsOutputsInGraphOrderIncludingInputsAndParameters) {
  Graph g;
  ValueId x = g.addInput("x", {DType::i64, {2}});
  ValueId p = g.addParam("p", i64({2}, {5, 6}));
  ValueId r = g.addOp1(OpKind::Mul, {x, p}, "r");
  inferTypes(g);
  g.setOutputs({p, r, x, r});
  std::vector<Tensor> out = interpret(g, {i64({2}, {3, -4})});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(ints(out[0]), (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(ints(out[1]), (std::vector<int64_t>{15, -24}));
  EXPECT_EQ(ints(out[2]), (std::vector<int64_t>{3, -4}));
  EXPECT_EQ(ints(out[3]), (std::vector<int64_t>{15, -24}));
}

TEST(InterpreterDriver, RunsAGraphOfParametersAlone) {
  Graph g;
  ValueId a = g.addParam("a", f64({2, 2}, {1, 2, 3, 4}));
  ValueId t = g.addOp1(OpKind::Transpose, {a}, "t");
  g.setOutputs({t});
  inferTypes(g);
  EXPECT_EQ(values(interpret(g, {})[0]), (std::vector<double>{1, 3, 2, 4}));
}

TEST(InterpreterDriver, KernelErrorsNameTheOp) {
  EXPECT_EQ(errorOf([] { run1(OpKind::Div, {i64({2}, {1, 2}), i64({2}, {1, 0})}); }),
            "node 'n' (Div): integer division by zero");
  // Without a node name, the op is named by its result.
  Graph g;
  ValueId x = g.addInput("x", {DType::i32, {1}});
  ValueId r = g.addOp1(OpKind::Div, {x, x}, "quot");
  inferTypes(g);
  g.setOutputs({r});
  EXPECT_EQ(errorOf([&] { interpret(g, {i32({1}, {0})}); }), "Div producing %quot: integer division by zero");
}

TEST(InterpreterDriver, TypeErrorsOfAnOpNameTheOp) {
  EXPECT_EQ(errorOf([] { run1(OpKind::Add, {f32({2}, {1, 2}), f32({3}, {1, 2, 3})}); }),
            "node 'n' (Add): shapes [2] and [3] do not broadcast");
  EXPECT_EQ(errorOf([] { run1(OpKind::MatMul, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2}, {1, 2})}); }),
            "node 'n' (MatMul): inner dimensions differ: [2,3] and [2]");
}

TEST(InterpreterDriver, AnAttributeOfTheWrongKindIsAnErrorNamingTheOp) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  ValueId r = g.addOp1(OpKind::Softmax, {x}, "r", attrs({{"axis", std::string("x")}}), "sm");
  g.value(r).type = g.value(x).type;  // type inference would reject the attribute too
  g.setOutputs({r});
  EXPECT_EQ(errorKindOf([&] { interpret(g, {f32({2}, {1, 2})}); }), "Error");
  EXPECT_EQ(errorOf([&] { interpret(g, {f32({2}, {1, 2})}); }), "node 'sm' (Softmax): attribute 'axis' is not an integer");
}

TEST(InterpreterDriver, CollectivesAreUnsupported) {
  Attributes a = attrs({{"group_size", int64_t{2}}, {"axes", std::vector<int64_t>{0}}});
  EXPECT_EQ(errorKindOf([&] { run1(OpKind::AllReduce, {f32({2}, {1, 2})}, a); }), "Unsupported");
  EXPECT_EQ(errorOf([&] { run1(OpKind::AllReduce, {f32({2}, {1, 2})}, a); }),
            "node 'n' (AllReduce): collectives run only in compiled rank programs");
}

TEST(InterpreterDriver, ArithmeticOnBoolIsUnsupportedNamingTheElementType) {
  Tensor b = Tensor::fromInts(DType::boolean, {2}, {1, 0});
  EXPECT_EQ(errorKindOf([&] { run1(OpKind::Add, {b, b}); }), "Unsupported");
  EXPECT_EQ(errorOf([&] { run1(OpKind::Add, {b, b}); }), "node 'n' (Add): element type bool is not supported by Add");
  // Moving bools is fine.
  EXPECT_EQ(ints(run1(OpKind::Identity, {b})), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(ints(run1(OpKind::Concat, {b, b})), (std::vector<int64_t>{1, 0, 1, 0}));
}

TEST(InterpreterDriver, DoesNotChangeItsInputsOrParameters) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  ValueId p = g.addParam("p", f32({2}, {1, 2}));
  ValueId r = g.addOp1(OpKind::Neg, {x}, "r");
  ValueId s = g.addOp1(OpKind::Exp, {p}, "s");
  inferTypes(g);
  g.setOutputs({r, s});
  Tensor in = f32({2}, {3, 4});
  interpret(g, {in});
  EXPECT_EQ(values(in), (std::vector<double>{3, 4}));
  EXPECT_EQ(values(*g.value(p).data), (std::vector<double>{1, 2}));
}

}  // namespace
}  // namespace shardc::ir
