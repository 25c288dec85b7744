// The interpreter's elementwise ops: float math in double rounded once, numpy broadcasting, integer semantics,
// f16/bf16 through float.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "interpreter_test_util.h"

namespace shardc::ir {
namespace {

using namespace testing;

double sigmoid(double v) { return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v)); }

TEST(InterpreterElementwise, UnaryOpsOnF32ComputeInDoubleAndRoundOnce) {
  const std::vector<double> in = {-3.5, -1, -0.25, 0, 0.5, 2, 7, 30};
  Tensor x = f32({2, 4}, in);
  auto expectOp = [&](OpKind k, double (*f)(double)) {
    Tensor r = run1(k, {x});
    EXPECT_EQ(r.type().str(), "f32[2,4]");
    for (size_t i = 0; i < in.size(); ++i)
      EXPECT_EQ(r.data<float>()[i], static_cast<float>(f(in[i]))) << opKindName(k) << "(" << in[i] << ")";
  };
  expectOp(OpKind::Identity, [](double v) { return v; });
  expectOp(OpKind::Neg, [](double v) { return -v; });
  expectOp(OpKind::Relu, [](double v) { return v < 0 ? 0.0 : v; });
  expectOp(OpKind::Sigmoid, sigmoid);
  expectOp(OpKind::Tanh, [](double v) { return std::tanh(v); });
  expectOp(OpKind::Exp, [](double v) { return std::exp(v); });
  Tensor s = run1(OpKind::Sqrt, {f32({4}, {0, 1, 2, 6.25})});
  EXPECT_EQ(floats(s), (std::vector<float>{0, 1, static_cast<float>(std::sqrt(2.0)), 2.5f}));
}

TEST(InterpreterElementwise, AbsLogReciprocalErfFloorCeil) {
  EXPECT_EQ(floats(run1(OpKind::Abs, {f32({4}, {-3.5, -0.0, 2, -7})})), (std::vector<float>{3.5f, 0, 2, 7}));
  EXPECT_EQ(ints(run1(OpKind::Abs, {Tensor::fromInts(DType::i8, {3}, {-5, 5, -128})})), (std::vector<int64_t>{5, 5, -128}));
  std::vector<float> logs = floats(run1(OpKind::Log, {f32({4}, {1, std::exp(2.0), 0, -1})}));
  EXPECT_EQ(logs[0], 0.0f);
  EXPECT_EQ(logs[1], static_cast<float>(std::log(double(float(std::exp(2.0))))));
  EXPECT_EQ(logs[2], -INFINITY);
  EXPECT_TRUE(std::isnan(logs[3]));
  EXPECT_EQ(floats(run1(OpKind::Reciprocal, {f32({3}, {4, -0.5, 0})})), (std::vector<float>{0.25f, -2, INFINITY}));
  EXPECT_EQ(floats(run1(OpKind::Erf, {f32({3}, {0, 1, -3})})),
            (std::vector<float>{0, static_cast<float>(std::erf(1.0)), static_cast<float>(std::erf(-3.0))}));
  EXPECT_EQ(floats(run1(OpKind::Floor, {f32({4}, {-1.5, -0.5, 0.5, 2})})), (std::vector<float>{-2, -1, 0, 2}));
  EXPECT_EQ(floats(run1(OpKind::Ceil, {f32({4}, {-1.5, -0.5, 0.5, 2})})), (std::vector<float>{-1, -0.0f, 1, 2}));
}

TEST(InterpreterElementwise, PowMaxMinBroadcastAndLetNaNWin) {
  EXPECT_EQ(floats(run1(OpKind::Pow, {f32({3}, {2, 9, -2}), f32({1}, {3})})), (std::vector<float>{8, 729, -8}));
  EXPECT_EQ(floats(run1(OpKind::Pow, {f32({2}, {4, 9}), f32({2}, {0.5, -0.5})})), (std::vector<float>{2, 1.0f / 3}));
  const double nan = std::nan("");
  std::vector<float> mx = floats(run1(OpKind::Max, {f32({2, 2}, {1, nan, 3, -4}), f32({2}, {2, 0})}));
  EXPECT_EQ(mx[0], 2);
  EXPECT_TRUE(std::isnan(mx[1]));
  EXPECT_EQ(mx[2], 3);
  EXPECT_EQ(mx[3], 0);
  std::vector<float> mn = floats(run1(OpKind::Min, {f32({2}, {1, 5}), f32({2}, {nan, 2})}));
  EXPECT_TRUE(std::isnan(mn[0]));
  EXPECT_EQ(mn[1], 2);
  EXPECT_EQ(ints(run1(OpKind::Max, {Tensor::fromInts(DType::u8, {2}, {200, 3}), Tensor::fromInts(DType::u8, {2}, {100, 4})})),
            (std::vector<int64_t>{200, 4}));
  EXPECT_EQ(ints(run1(OpKind::Min, {Tensor::fromInts(DType::i8, {2}, {-100, 3}), Tensor::fromInts(DType::i8, {1}, {0})})),
            (std::vector<int64_t>{-100, 0}));
}

TEST(InterpreterElementwise, UnaryOpsOnF64) {
  Tensor r = run1(OpKind::Exp, {f64({3}, {-1, 0, 1})});
  EXPECT_EQ(values(r), (std::vector<double>{std::exp(-1.0), 1.0, std::exp(1.0)}));
  EXPECT_EQ(values(run1(OpKind::Sigmoid, {f64({3}, {-800, 0, 800})})), (std::vector<double>{0.0, 0.5, 1.0}));
  EXPECT_EQ(values(run1(OpKind::Tanh, {f64({1}, {0.5})})), (std::vector<double>{std::tanh(0.5)}));
}

TEST(InterpreterElementwise, SigmoidOfLargeMagnitudesSaturatesWithoutNaN) {
  Tensor r = run1(OpKind::Sigmoid, {f32({4}, {-1000, -100, 100, 1000})});
  EXPECT_EQ(floats(r), (std::vector<float>{0.0f, static_cast<float>(std::exp(-100.0) / (1 + std::exp(-100.0))), 1.0f, 1.0f}));
}

TEST(InterpreterElementwise, SqrtOfANegativeNumberIsNaN) {
  Tensor r = run1(OpKind::Sqrt, {f32({1}, {-1})});
  EXPECT_TRUE(std::isnan(r.data<float>()[0]));
}

TEST(InterpreterElementwise, BroadcastsATrailingVectorOverRows) {
  Tensor r = run1(OpKind::Add, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30})});
  EXPECT_EQ(r.type().str(), "f32[2,3]");
  EXPECT_EQ(values(r), (std::vector<double>{11, 22, 33, 14, 25, 36}));
}

TEST(InterpreterElementwise, BroadcastsBothOperandsIntoANewShape) {
  // [2,1,3] * [4,1] → [2,4,3]: r[a,b,c] = x[a,0,c] * y[b,0].
  std::vector<double> xs = {1, 2, 3, 4, 5, 6}, ys = {1, -2, 3, 10};
  Tensor r = run1(OpKind::Mul, {f32({2, 1, 3}, xs), f32({4, 1}, ys)});
  EXPECT_EQ(r.type().str(), "f32[2,4,3]");
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 4; ++b)
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(r.data<float>()[a * 12 + b * 3 + c], float(xs[size_t(a * 3 + c)] * ys[size_t(b)]))
            << a << "," << b << "," << c;
}

TEST(InterpreterElementwise, NonCommutativeOpsKeepOperandOrderUnderBroadcasting) {
  // [3,1] - [1,2] → [3,2]; [1,2] / [3,1] → [3,2].
  Tensor a = f32({3, 1}, {1, 2, 3}), b = f32({1, 2}, {10, 100});
  EXPECT_EQ(values(run1(OpKind::Sub, {a, b})), (std::vector<double>{-9, -99, -8, -98, -7, -97}));
  EXPECT_EQ(floats(run1(OpKind::Div, {b, a})),
            (std::vector<float>{10, 100, 5, 50, static_cast<float>(10.0 / 3), static_cast<float>(100.0 / 3)}));
}

TEST(InterpreterElementwise, ScalarsBroadcastAndStayScalars) {
  Tensor s = f32({}, {2.5});
  Tensor r = run1(OpKind::Mul, {s, f32({3}, {1, 2, 3})});
  EXPECT_EQ(r.type().str(), "f32[3]");
  EXPECT_EQ(values(r), (std::vector<double>{2.5, 5, 7.5}));
  Tensor rs = run1(OpKind::Sub, {s, f32({}, {4})});
  EXPECT_EQ(rs.type().str(), "f32[]");
  EXPECT_EQ(values(rs), (std::vector<double>{-1.5}));
  EXPECT_EQ(values(run1(OpKind::Neg, {s})), (std::vector<double>{-2.5}));
}

TEST(InterpreterElementwise, ZeroSizedTensorsGiveZeroSizedResults) {
  Tensor r = run1(OpKind::Add, {f32({0, 3}, {}), f32({3}, {1, 2, 3})});
  EXPECT_EQ(r.type().str(), "f32[0,3]");
  EXPECT_EQ(r.byteSize(), 0u);
  Tensor u = run1(OpKind::Exp, {f32({2, 0}, {})});
  EXPECT_EQ(u.type().str(), "f32[2,0]");
  Tensor v = run1(OpKind::Mul, {f32({2, 0}, {}), f32({1}, {5})});
  EXPECT_EQ(v.type().str(), "f32[2,0]");
}

TEST(InterpreterElementwise, BinaryOpsMatchANaiveLoopForOddSizes) {
  for (int64_t n : {1, 3, 17, 255}) {
    std::vector<double> a = randomFloats(size_t(n), 1), b = randomFloats(size_t(n), 2);
    Tensor ta = f32({n}, a), tb = f32({n}, b);
    std::vector<float> sum, diff, prod, quot;
    for (size_t i = 0; i < size_t(n); ++i) {
      sum.push_back(float(a[i] + b[i]));
      diff.push_back(float(a[i] - b[i]));
      prod.push_back(float(a[i] * b[i]));
      quot.push_back(float(a[i] / b[i]));
    }
    EXPECT_EQ(floats(run1(OpKind::Add, {ta, tb})), sum) << n;
    EXPECT_EQ(floats(run1(OpKind::Sub, {ta, tb})), diff) << n;
    EXPECT_EQ(floats(run1(OpKind::Mul, {ta, tb})), prod) << n;
    EXPECT_EQ(floats(run1(OpKind::Div, {ta, tb})), quot) << n;
    // [n,1] + [1,n] → [n,n], an outer sum.
    Tensor outer = run1(OpKind::Add, {f32({n, 1}, a), f32({1, n}, b)});
    ASSERT_EQ(outer.type().str(), fmt::format("f32[{},{}]", n, n));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j)
        ASSERT_EQ(outer.data<float>()[i * n + j], float(a[size_t(i)] + b[size_t(j)])) << n << ": " << i << "," << j;
    // A [3,n] tensor through a unary op.
    std::vector<double> c = randomFloats(size_t(3 * n), 3);
    Tensor e = run1(OpKind::Tanh, {f32({3, n}, c)});
    for (size_t i = 0; i < c.size(); ++i) ASSERT_EQ(e.data<float>()[i], float(std::tanh(c[i]))) << n << ": " << i;
  }
}

TEST(InterpreterElementwise, IntegerDivisionTruncatesTowardZero) {
  Tensor num = i64({4}, {-7, 7, -7, 7}), den = i64({4}, {2, -2, -2, 2});
  EXPECT_EQ(ints(run1(OpKind::Div, {num, den})), (std::vector<int64_t>{-3, -3, 3, 3}));
  EXPECT_EQ(ints(run1(OpKind::Div, {i32({3}, {-7, -1, 9}), i32({1}, {2})})), (std::vector<int64_t>{-3, 0, 4}));
  Tensor i8 = Tensor::fromInts(DType::i8, {2}, {-128, 127});
  EXPECT_EQ(ints(run1(OpKind::Div, {i8, Tensor::fromInts(DType::i8, {1}, {3})})), (std::vector<int64_t>{-42, 42}));
  Tensor u8 = Tensor::fromInts(DType::u8, {2}, {255, 7});
  EXPECT_EQ(ints(run1(OpKind::Div, {u8, Tensor::fromInts(DType::u8, {1}, {2})})), (std::vector<int64_t>{127, 3}));
}

TEST(InterpreterElementwise, IntegerDivisionByZeroIsAnError) {
  EXPECT_EQ(errorOf([] { run1(OpKind::Div, {i32({2}, {4, 5}), i32({2}, {2, 0})}); }),
            "node 'n' (Div): integer division by zero");
  EXPECT_EQ(errorKindOf([] { run1(OpKind::Div, {Tensor::fromInts(DType::u64, {1}, {1}), Tensor(DType::u64, {1})}); }),
            "Error");
}

TEST(InterpreterElementwise, FloatDivisionByZeroFollowsIEEE) {
  std::vector<float> r = floats(run1(OpKind::Div, {f32({2}, {1, -1}), f32({1}, {0})}));
  EXPECT_EQ(r[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(r[1], -std::numeric_limits<float>::infinity());
}

TEST(InterpreterElementwise, IntegerArithmeticWrapsOnOverflow) {
  auto t = [](DType d, std::vector<int64_t> v) { return Tensor::fromInts(d, {int64_t(v.size())}, v); };
  EXPECT_EQ(ints(run1(OpKind::Add, {t(DType::i8, {100, -100}), t(DType::i8, {100, -100})})),
            (std::vector<int64_t>{-56, 56}));
  constexpr int64_t i32max = std::numeric_limits<int32_t>::max(), i32min = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(ints(run1(OpKind::Add, {t(DType::i32, {i32max}), t(DType::i32, {1})})), (std::vector<int64_t>{i32min}));
  EXPECT_EQ(ints(run1(OpKind::Mul, {t(DType::i16, {300}), t(DType::i16, {300})})), (std::vector<int64_t>{24464}));
  EXPECT_EQ(ints(run1(OpKind::Mul, {t(DType::u16, {65535}), t(DType::u16, {65535})})), (std::vector<int64_t>{1}));
  constexpr int64_t i64min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(ints(run1(OpKind::Sub, {t(DType::i64, {i64min}), t(DType::i64, {1})})),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::max()}));
  EXPECT_EQ(ints(run1(OpKind::Div, {t(DType::i64, {i64min}), t(DType::i64, {-1})})), (std::vector<int64_t>{i64min}));
  EXPECT_EQ(ints(run1(OpKind::Neg, {t(DType::i64, {i64min, 5})})), (std::vector<int64_t>{i64min, -5}));
  EXPECT_EQ(ints(run1(OpKind::Neg, {t(DType::u8, {1, 0})})), (std::vector<int64_t>{255, 0}));
  EXPECT_EQ(ints(run1(OpKind::Sub, {t(DType::u32, {1}), t(DType::u32, {2})})), (std::vector<int64_t>{4294967295}));
}

TEST(InterpreterElementwise, IntegerReluNegAndIdentity) {
  Tensor x = i32({2, 2}, {-5, 0, 3, -1});
  EXPECT_EQ(ints(run1(OpKind::Relu, {x})), (std::vector<int64_t>{0, 0, 3, 0}));
  EXPECT_EQ(ints(run1(OpKind::Neg, {x})), (std::vector<int64_t>{5, 0, -3, 1}));
  EXPECT_EQ(ints(run1(OpKind::Identity, {x})), (std::vector<int64_t>{-5, 0, 3, -1}));
  EXPECT_EQ(ints(run1(OpKind::Relu, {Tensor::fromInts(DType::u8, {2}, {0, 200})})), (std::vector<int64_t>{0, 200}));
}

TEST(InterpreterElementwise, IntegerBroadcastingAcrossEveryIntegerType) {
  for (DType t : {DType::i8, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64}) {
    Tensor a = Tensor::fromInts(t, {2, 3}, {1, 2, 3, 4, 5, 6}), b = Tensor::fromInts(t, {2, 1}, {2, 3});
    EXPECT_EQ(ints(run1(OpKind::Add, {a, b})), (std::vector<int64_t>{3, 4, 5, 7, 8, 9})) << dtypeName(t);
    EXPECT_EQ(ints(run1(OpKind::Mul, {a, b})), (std::vector<int64_t>{2, 4, 6, 12, 15, 18})) << dtypeName(t);
    EXPECT_EQ(ints(run1(OpKind::Div, {a, b})), (std::vector<int64_t>{0, 1, 1, 1, 1, 2})) << dtypeName(t);
    EXPECT_EQ(ints(run1(OpKind::Sub, {a, b})).back(), 3) << dtypeName(t);
  }
}

TEST(InterpreterElementwise, TranscendentalsOnIntegersAreUnsupported) {
  for (OpKind k : {OpKind::Exp, OpKind::Sqrt, OpKind::Tanh, OpKind::Sigmoid}) {
    EXPECT_EQ(errorKindOf([&] { run1(k, {i32({1}, {4})}); }), "Unsupported") << opKindName(k);
    EXPECT_EQ(errorOf([&] { run1(k, {i32({1}, {4})}); }),
              fmt::format("node 'n' ({0}): element type i32 is not supported by {0}", opKindName(k)));
  }
}

TEST(InterpreterElementwise, HalfPrecisionComputesThroughFloatAndRoundsOnce) {
  for (DType t : {DType::f16, DType::bf16}) {
    std::vector<double> a = {1, 0.1, -2.5, 3, 100}, b = {1, 0.2, 0.5, -0.75, 0.01};
    Tensor ta = tensor(t, {5}, a), tb = tensor(t, {5}, b);
    auto check = [&](OpKind k, double (*f)(double, double)) {
      Tensor r = run1(k, {ta, tb});
      ASSERT_EQ(r.dtype(), t);
      for (int64_t i = 0; i < 5; ++i) {
        // The inputs as stored (rounded to the half type), the op in double, rounded to the half type.
        double v = f(ta.elementAsDouble(i), tb.elementAsDouble(i));
        uint16_t bits = t == DType::f16 ? floatToHalf(float(v)) : floatToBfloat16(float(v));
        EXPECT_EQ(r.data<uint16_t>()[i], bits) << dtypeName(t) << " " << opKindName(k) << " " << i;
      }
    };
    check(OpKind::Add, [](double x, double y) { return x + y; });
    check(OpKind::Sub, [](double x, double y) { return x - y; });
    check(OpKind::Mul, [](double x, double y) { return x * y; });
    check(OpKind::Div, [](double x, double y) { return x / y; });
  }
  // Values exact in both formats.
  EXPECT_EQ(values(run1(OpKind::Add, {tensor(DType::f16, {2}, {1, 0.5}), tensor(DType::f16, {1}, {1})})),
            (std::vector<double>{2, 1.5}));
  EXPECT_EQ(run1(OpKind::Add, {tensor(DType::f16, {1}, {1}), tensor(DType::f16, {1}, {1})}).data<uint16_t>()[0], 0x4000);
  EXPECT_EQ(values(run1(OpKind::Mul, {tensor(DType::bf16, {1}, {3}), tensor(DType::bf16, {1}, {0.5})})),
            (std::vector<double>{1.5}));
  EXPECT_EQ(values(run1(OpKind::Sqrt, {tensor(DType::f16, {2}, {4, 0.25})})), (std::vector<double>{2, 0.5}));
  EXPECT_EQ(values(run1(OpKind::Relu, {tensor(DType::bf16, {2}, {-4, 8})})), (std::vector<double>{0, 8}));
}

}  // namespace
}  // namespace shardc::ir
