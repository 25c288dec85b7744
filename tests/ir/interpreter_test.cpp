#include <cmath>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {

// Builds a one-op graph over the given inputs and returns its output.
Tensor run1(OpKind kind, const std::vector<Tensor>& ins, Attributes attrs = {}) {
  Graph g;
  std::vector<ValueId> vs;
  for (size_t i = 0; i < ins.size(); ++i) vs.push_back(g.addInput("in" + std::to_string(i), ins[i].type()));
  ValueId r = g.addOp1(kind, vs, "r", attrs, "n");
  g.value(r).type = inferResultTypes(g, g.ops()[0])[0];
  g.setOutputs({r});
  return interpret(g, ins)[0];
}

Tensor f32(Shape s, std::vector<double> v) { return Tensor::fromDoubles(DType::f32, std::move(s), v); }
Tensor i64(Shape s, std::vector<int64_t> v) { return Tensor::fromInts(DType::i64, std::move(s), v); }

std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i) v.push_back(t.elementAsDouble(i));
  return v;
}

Attributes attr(const std::string& k, Attribute v) {
  Attributes a;
  a.set(k, std::move(v));
  return a;
}

TEST(Interpreter, BroadcastsBinaryOps) {
  Tensor r = run1(OpKind::Add, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30})});
  EXPECT_EQ(values(r), (std::vector<double>{11, 22, 33, 14, 25, 36}));
  r = run1(OpKind::Mul, {f32({2, 1, 3}, {1, 2, 3, 4, 5, 6}), f32({4, 1}, {1, 2, 3, 4})});
  EXPECT_EQ(r.shape().str(), "[2,4,3]");
  EXPECT_EQ(values(r)[3 * 3 + 2], 3 * 4.0);   // [0,3,2] = x[0,0,2] * y[3,0]
  EXPECT_EQ(values(r)[12 + 5], 6 * 2.0);      // [1,1,2] = x[1,0,2] * y[1,0]
}

TEST(Interpreter, IntegerDivisionTruncatesAndRejectsZero) {
  EXPECT_EQ(values(run1(OpKind::Div, {i64({2}, {-7, 7}), i64({2}, {2, 2})})), (std::vector<double>{-3, 3}));
  try {
    run1(OpKind::Div, {i64({1}, {1}), i64({1}, {0})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "node 'n' (Div): integer division by zero");
  }
}

TEST(Interpreter, UnaryOpsMatchLibm) {
  Tensor x = f32({4}, {-1.5, 0, 0.5, 3});
  std::vector<double> in = values(x);
  auto check = [&](OpKind k, double (*f)(double)) {
    std::vector<double> got = values(run1(k, {x}));
    for (size_t i = 0; i < in.size(); ++i) EXPECT_FLOAT_EQ(got[i], float(f(in[i]))) << opKindName(k) << " " << in[i];
  };
  check(OpKind::Exp, [](double v) { return std::exp(v); });
  check(OpKind::Tanh, [](double v) { return std::tanh(v); });
  check(OpKind::Sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); });
  check(OpKind::Relu, [](double v) { return v < 0 ? 0.0 : v; });
  check(OpKind::Neg, [](double v) { return -v; });
  EXPECT_FLOAT_EQ(values(run1(OpKind::Sqrt, {f32({1}, {2})}))[0], float(std::sqrt(2.0)));
}

TEST(Interpreter, MatMulAgainstATripleLoop) {
  for (auto [m, k, n] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{{1, 1, 1}, {3, 17, 5}, {17, 255, 3}}) {
    std::vector<double> a, b;
    for (int64_t i = 0; i < m * k; ++i) a.push_back(std::sin(double(i)));
    for (int64_t i = 0; i < k * n; ++i) b.push_back(std::cos(double(i)));
    Tensor r = run1(OpKind::MatMul, {f32({m, k}, a), f32({k, n}, b)});
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += double(float(a[size_t(i * k + p)])) * double(float(b[size_t(p * n + j)]));
        EXPECT_FLOAT_EQ(r.data<float>()[i * n + j], float(acc));
      }
  }
}

TEST(Interpreter, MatMulPromotesVectorsAndBroadcastsBatches) {
  Tensor v = run1(OpKind::MatMul, {f32({2}, {1, 2}), f32({2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(v.shape().str(), "[3]");
  EXPECT_EQ(values(v), (std::vector<double>{9, 12, 15}));
  Tensor w = run1(OpKind::MatMul, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {1, 0, -1})});
  EXPECT_EQ(values(w), (std::vector<double>{-2, -2}));
  Tensor b = run1(OpKind::MatMul, {f32({2, 1, 2}, {1, 0, 0, 1}), f32({2, 2}, {1, 2, 3, 4})});
  EXPECT_EQ(b.shape().str(), "[2,1,2]");
  EXPECT_EQ(values(b), (std::vector<double>{1, 2, 3, 4}));
}

TEST(Interpreter, GemmHonoursEveryAttribute) {
  Attributes a;
  a.set("alpha", 2.0);
  a.set("beta", 0.5);
  a.set("transA", int64_t{1});
  a.set("transB", int64_t{1});
  // A^T = [[1,2],[3,4]]^T... A is [2,2] = [[1,3],[2,4]], B^T with B = [[1,0],[0,1]], C = [10] broadcast.
  Tensor r = run1(OpKind::Gemm, {f32({2, 2}, {1, 3, 2, 4}), f32({2, 2}, {1, 0, 0, 1}), f32({1}, {10})}, a);
  EXPECT_EQ(values(r), (std::vector<double>{2 * 1 + 5, 2 * 2 + 5, 2 * 3 + 5, 2 * 4 + 5}));
  Tensor c = run1(OpKind::Gemm, {f32({1, 2}, {1, 1}), f32({2, 2}, {1, 2, 3, 4}), f32({1, 2}, {1, 1})});
  EXPECT_EQ(values(c), (std::vector<double>{5, 7}));
}

TEST(Interpreter, TransposePutsEveryElementWherePermSays) {
  std::vector<double> in(24);
  for (int i = 0; i < 24; ++i) in[size_t(i)] = i;
  Tensor r = run1(OpKind::Transpose, {f32({2, 3, 4}, in)}, attr("perm", std::vector<int64_t>{2, 0, 1}));
  EXPECT_EQ(r.shape().str(), "[4,2,3]");
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(r.data<float>()[c * 6 + a * 3 + b], float(a * 12 + b * 4 + c));
}

TEST(Interpreter, SoftmaxRowsSumToOneAndMatchByHand) {
  Tensor r = run1(OpKind::Softmax, {f32({2, 3}, {1, 2, 3, 0, 0, 0})}, attr("axis", int64_t{1}));
  double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0), s = e1 + e2 + e3;
  EXPECT_FLOAT_EQ(r.data<float>()[0], float(e1 / s));
  EXPECT_FLOAT_EQ(r.data<float>()[2], float(e3 / s));
  EXPECT_FLOAT_EQ(r.data<float>()[4], float(1.0 / 3));
  Tensor c = run1(OpKind::Softmax, {f32({2, 2}, {0, 1000, 0, 1000})}, attr("axis", int64_t{0}));
  EXPECT_EQ(values(c), (std::vector<double>{0.5, 0.5, 0.5, 0.5}));
}

TEST(Interpreter, ReductionsOverAxes) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Attributes keep = attr("axes", std::vector<int64_t>{1});
  EXPECT_EQ(values(run1(OpKind::ReduceSum, {x}, keep)), (std::vector<double>{6, 15}));
  EXPECT_EQ(run1(OpKind::ReduceSum, {x}, keep).shape().str(), "[2,1]");
  keep.set("keepdims", int64_t{0});
  EXPECT_EQ(run1(OpKind::ReduceMean, {x}, keep).shape().str(), "[2]");
  EXPECT_EQ(values(run1(OpKind::ReduceMean, {x}, keep)), (std::vector<double>{2, 5}));
  EXPECT_EQ(values(run1(OpKind::ReduceSum, {x})), (std::vector<double>{21}));
  EXPECT_EQ(values(run1(OpKind::ReduceMean, {i64({3}, {1, 2, 4})})), (std::vector<double>{2}));  // 7 / 3 truncated
  EXPECT_EQ(values(run1(OpKind::ReduceSum, {f32({0, 3}, {})}, attr("axes", std::vector<int64_t>{0}))),
            (std::vector<double>{0, 0, 0}));
}

TEST(Interpreter, ConcatsAlongAnAxis) {
  Tensor r = run1(OpKind::Concat, {i64({2, 1}, {1, 2}), i64({2, 2}, {3, 4, 5, 6}), i64({2, 1}, {7, 8})},
                  attr("axis", int64_t{1}));
  EXPECT_EQ(values(r), (std::vector<double>{1, 3, 4, 7, 2, 5, 6, 8}));
}

TEST(Interpreter, RejectsInputsOfTheWrongTypeNamingThem) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {1, 784}});
  ValueId r = g.addOp1(OpKind::Relu, {x}, "r");
  g.value(r).type = {DType::f32, {1, 784}};
  g.setOutputs({r});
  try {
    interpret(g, {Tensor(DType::f32, {2, 784})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "input 'x': expected f32[1,784], got f32[2,784]");
  }
  EXPECT_THROW(interpret(g, {}), Error);
  EXPECT_THROW(interpret(g, {Tensor(DType::f64, {1, 784})}), Error);
}

}  // namespace
}  // namespace shardc::ir
