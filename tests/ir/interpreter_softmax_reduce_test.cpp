// The interpreter's Softmax (one axis, stable, in double) and reductions.
#include <cmath>

#include <gtest/gtest.h>

#include "interpreter_test_util.h"

namespace shardc::ir {
namespace {

using namespace testing;

// Softmax of one line as the kernel computes it: subtract the max, exp, divide by the sum (summed in order).
std::vector<float> softmaxLine(const std::vector<double>& x) {
  double mx = x[0];
  for (double v : x) mx = std::max(mx, v);
  std::vector<double> e;
  double sum = 0;
  for (double v : x) sum += e.emplace_back(std::exp(v - mx));
  std::vector<float> y;
  for (double v : e) y.push_back(static_cast<float>(v / sum));
  return y;
}

TEST(InterpreterSoftmax, RowsOfA2x3MatchHandValuesAndSumToOne) {
  Tensor r = run1(OpKind::Softmax, {f32({2, 3}, {1, 2, 3, 0, 0, 0})}, attrs({{"axis", int64_t{1}}}));
  EXPECT_EQ(r.type().str(), "f32[2,3]");
  std::vector<float> y = floats(r);
  // softmax([1,2,3]) = e^(x-3) / (e^-2 + e^-1 + 1).
  const double s = std::exp(-2.0) + std::exp(-1.0) + 1.0;
  EXPECT_EQ(y[0], float(std::exp(-2.0) / s));
  EXPECT_EQ(y[1], float(std::exp(-1.0) / s));
  EXPECT_EQ(y[2], float(1.0 / s));
  EXPECT_NEAR(y[0], 0.0900305732, 1e-7);
  EXPECT_NEAR(y[1], 0.2447284711, 1e-7);
  EXPECT_NEAR(y[2], 0.6652409558, 1e-7);
  EXPECT_EQ(y[3], float(1.0 / 3));
  EXPECT_EQ(y[4], float(1.0 / 3));
  EXPECT_EQ(y[5], float(1.0 / 3));
  EXPECT_NEAR(double(y[0]) + y[1] + y[2], 1.0, 1e-7);
}

TEST(InterpreterSoftmax, TheDefaultAxisIsTheLast) {
  Tensor r = run1(OpKind::Softmax, {f64({2, 2}, {0, std::log(3.0), 5, 5})});
  EXPECT_EQ(values(r), (std::vector<double>{0.25, 0.75, 0.5, 0.5}));
}

TEST(InterpreterSoftmax, IsStableForLargeInputs) {
  Tensor r = run1(OpKind::Softmax, {f32({2, 2}, {1000, 1000, -1000, 0})}, attrs({{"axis", int64_t{1}}}));
  EXPECT_EQ(floats(r), (std::vector<float>{0.5f, 0.5f, 0.0f, 1.0f}));
}

TEST(InterpreterSoftmax, AlongAxis0AndNegativeAxes) {
  Tensor x = f32({2, 3}, {0, 1, 2, std::log(3.0), 1, 2 + std::log(4.0)});
  for (int64_t axis : {0, -2}) {
    Tensor r = run1(OpKind::Softmax, {x}, attrs({{"axis", axis}}));
    // Columns: [0, ln 3] → [1/4, 3/4]; [1, 1] → [1/2, 1/2]; [2, 2 + ln 4] → [1/5, 4/5].
    std::vector<float> y = floats(r);
    EXPECT_FLOAT_EQ(y[0], 0.25f) << axis;
    EXPECT_FLOAT_EQ(y[3], 0.75f) << axis;
    EXPECT_EQ(y[1], 0.5f) << axis;
    EXPECT_EQ(y[4], 0.5f) << axis;
    EXPECT_FLOAT_EQ(y[2], 0.2f) << axis;
    EXPECT_FLOAT_EQ(y[5], 0.8f) << axis;
  }
}

TEST(InterpreterSoftmax, AMiddleAxisOfOddSizesMatchesLineByLine) {
  for (int64_t n : {1, 3, 17, 255}) {
    // [2, n, 3], softmax along axis 1: each of the 6 lines x[a, :, c] independently.
    std::vector<double> x = randomFloats(size_t(2 * n * 3), 71);
    for (double& v : x) v *= 10;
    Tensor r = run1(OpKind::Softmax, {f32({2, n, 3}, x)}, attrs({{"axis", int64_t{1}}}));
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t c = 0; c < 3; ++c) {
        std::vector<double> line;
        for (int64_t j = 0; j < n; ++j) line.push_back(float(x[size_t((a * n + j) * 3 + c)]));
        std::vector<float> expected = softmaxLine(line), got;
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) {
          got.push_back(r.data<float>()[(a * n + j) * 3 + c]);
          sum += got.back();
        }
        EXPECT_EQ(got, expected) << n << ": line " << a << "," << c;
        EXPECT_NEAR(sum, 1.0, 1e-5) << n;
      }
  }
}

TEST(InterpreterSoftmax, AScalarAndEmptyLines) {
  EXPECT_EQ(values(run1(OpKind::Softmax, {f32({}, {42})}, attrs({{"axis", int64_t{0}}}))), (std::vector<double>{1}));
  EXPECT_EQ(run1(OpKind::Softmax, {f32({2, 0}, {})}).type().str(), "f32[2,0]");
  EXPECT_EQ(values(run1(OpKind::Softmax, {f32({0, 2}, {})}, attrs({{"axis", int64_t{0}}}))), (std::vector<double>{}));
}

TEST(InterpreterSoftmax, HalfPrecision) {
  Tensor r = run1(OpKind::Softmax, {tensor(DType::f16, {2}, {1, 1})});
  EXPECT_EQ(values(r), (std::vector<double>{0.5, 0.5}));
}

TEST(InterpreterReduce, SumOverAxis1KeepsOrDropsTheDim) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor kept = run1(OpKind::ReduceSum, {x}, attrs({{"axes", std::vector<int64_t>{1}}}));
  EXPECT_EQ(kept.type().str(), "f32[2,1]");
  EXPECT_EQ(values(kept), (std::vector<double>{6, 15}));
  Tensor dropped = run1(OpKind::ReduceSum, {x}, attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(dropped.type().str(), "f32[2]");
  EXPECT_EQ(values(dropped), (std::vector<double>{6, 15}));
  Tensor cols = run1(OpKind::ReduceSum, {x}, attrs({{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(values(cols), (std::vector<double>{5, 7, 9}));
}

TEST(InterpreterReduce, EmptyAxesReduceEverything) {
  Tensor x = f32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor kept = run1(OpKind::ReduceSum, {x});
  EXPECT_EQ(kept.type().str(), "f32[1,1]");
  EXPECT_EQ(values(kept), (std::vector<double>{21}));
  Tensor scalar = run1(OpKind::ReduceSum, {x}, attrs({{"axes", std::vector<int64_t>{}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(scalar.type().str(), "f32[]");
  EXPECT_EQ(values(scalar), (std::vector<double>{21}));
  EXPECT_EQ(values(run1(OpKind::ReduceMean, {x})), (std::vector<double>{3.5}));
  // A 0-D input: the sum of one element.
  Tensor s = run1(OpKind::ReduceSum, {f32({}, {4})});
  EXPECT_EQ(s.type().str(), "f32[]");
  EXPECT_EQ(values(s), (std::vector<double>{4}));
}

TEST(InterpreterReduce, NegativeAndSeveralAxes) {
  std::vector<double> x = randomFloats(2 * 3 * 4, 81);
  Tensor t = f32({2, 3, 4}, x);
  // axes {0, -1} = {0, 2}: out[b] = sum over a, c of x[a,b,c], in row-major order.
  Tensor r = run1(OpKind::ReduceSum, {t}, attrs({{"axes", std::vector<int64_t>{0, -1}}}));
  EXPECT_EQ(r.type().str(), "f32[1,3,1]");
  std::vector<float> expected;
  for (int64_t b = 0; b < 3; ++b) {
    double acc = 0;
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t c = 0; c < 4; ++c) acc += x[size_t(a * 12 + b * 4 + c)];
    expected.push_back(float(acc));
  }
  EXPECT_EQ(floats(r), expected);
  Tensor last = run1(OpKind::ReduceMean, {t}, attrs({{"axes", std::vector<int64_t>{-1}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(last.type().str(), "f32[2,3]");
  for (int64_t i = 0; i < 6; ++i) {
    double acc = 0;
    for (int64_t c = 0; c < 4; ++c) acc += x[size_t(i * 4 + c)];
    EXPECT_EQ(last.data<float>()[i], float(acc / 4)) << i;
  }
}

TEST(InterpreterReduce, MeanOfFloats) {
  Tensor x = f64({2, 3}, {1, 2, 3, 4, 5, 7});
  EXPECT_EQ(values(run1(OpKind::ReduceMean, {x}, attrs({{"axes", std::vector<int64_t>{0}}}))),
            (std::vector<double>{2.5, 3.5, 5}));
  EXPECT_EQ(values(run1(OpKind::ReduceMean, {x}, attrs({{"axes", std::vector<int64_t>{1}}}))),
            (std::vector<double>{2, 16.0 / 3}));
}

TEST(InterpreterReduce, MeanOfIntegersTruncatesTheSum) {
  EXPECT_EQ(ints(run1(OpKind::ReduceMean, {i64({3}, {1, 2, 4})})), (std::vector<int64_t>{2}));     // 7 / 3
  EXPECT_EQ(ints(run1(OpKind::ReduceMean, {i32({3}, {-1, -2, -4})})), (std::vector<int64_t>{-2}));  // -7 / 3
  Tensor r = run1(OpKind::ReduceMean, {i32({2, 2}, {1, 2, 3, 5})}, attrs({{"axes", std::vector<int64_t>{1}}}));
  EXPECT_EQ(r.type().str(), "i32[2,1]");
  EXPECT_EQ(ints(r), (std::vector<int64_t>{1, 4}));
  // Sums beyond the element type: the mean is of the exact sum.
  EXPECT_EQ(ints(run1(OpKind::ReduceMean, {Tensor::fromInts(DType::i8, {2}, {100, 120})})), (std::vector<int64_t>{110}));
  EXPECT_EQ(ints(run1(OpKind::ReduceMean, {Tensor::fromInts(DType::u8, {3}, {255, 255, 254})})),
            (std::vector<int64_t>{254}));
}

TEST(InterpreterReduce, SumOfIntegersWrapsLikeTheElementType) {
  EXPECT_EQ(ints(run1(OpKind::ReduceSum, {i64({4}, {1, -2, 3, 100})})), (std::vector<int64_t>{102}));
  EXPECT_EQ(ints(run1(OpKind::ReduceSum, {Tensor::fromInts(DType::i8, {2}, {100, 100})})), (std::vector<int64_t>{-56}));
}

TEST(InterpreterReduce, EmptyInputs) {
  Tensor zeros = run1(OpKind::ReduceSum, {f32({0, 3}, {})}, attrs({{"axes", std::vector<int64_t>{0}}}));
  EXPECT_EQ(zeros.type().str(), "f32[1,3]");
  EXPECT_EQ(values(zeros), (std::vector<double>{0, 0, 0}));
  Tensor nan = run1(OpKind::ReduceMean, {f32({0, 2}, {})}, attrs({{"axes", std::vector<int64_t>{0}}}));
  EXPECT_TRUE(std::isnan(nan.data<float>()[0]));
  EXPECT_EQ(errorOf([] { run1(OpKind::ReduceMean, {i32({0, 2}, {})}, attrs({{"axes", std::vector<int64_t>{0}}})); }),
            "node 'n' (ReduceMean): the mean of no elements is undefined for element type i32");
  // Reducing the non-empty dim of an empty tensor leaves an empty result.
  EXPECT_EQ(run1(OpKind::ReduceMean, {i32({0, 2}, {})}, attrs({{"axes", std::vector<int64_t>{1}}})).type().str(), "i32[0,1]");
}

TEST(InterpreterReduce, OddSizesMatchANaiveLoop) {
  for (int64_t n : {1, 3, 17, 255}) {
    std::vector<double> x = randomFloats(size_t(17 * n), 91);
    Tensor t = f32({17, n}, x);
    Tensor rows = run1(OpKind::ReduceSum, {t}, attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{0}}}));
    Tensor cols = run1(OpKind::ReduceMean, {t}, attrs({{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t{0}}}));
    for (int64_t i = 0; i < 17; ++i) {
      double acc = 0;
      for (int64_t j = 0; j < n; ++j) acc += x[size_t(i * n + j)];
      ASSERT_EQ(rows.data<float>()[i], float(acc)) << n << ": row " << i;
    }
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t i = 0; i < 17; ++i) acc += x[size_t(i * n + j)];
      ASSERT_EQ(cols.data<float>()[j], float(acc / 17)) << n << ": column " << j;
    }
  }
}

TEST(InterpreterReduce, MaxAndMinOverAxes) {
  Tensor x = f32({2, 3}, {1, -5, 3, 0.5, 7, -2});
  Tensor mx = run1(OpKind::ReduceMax, {x}, attrs({{"axes", std::vector<int64_t>{1}}}));
  EXPECT_EQ(mx.type().str(), "f32[2,1]");
  EXPECT_EQ(values(mx), (std::vector<double>{3, 7}));
  Tensor mn = run1(OpKind::ReduceMin, {x}, attrs({{"axes", std::vector<int64_t>{-2}}, {"keepdims", int64_t{0}}}));
  EXPECT_EQ(mn.type().str(), "f32[3]");
  EXPECT_EQ(values(mn), (std::vector<double>{0.5, -5, -2}));
  EXPECT_EQ(values(run1(OpKind::ReduceMax, {x})), (std::vector<double>{7}));
  // Integers compare in their own type: u8 255 is the largest, i8 -128 the smallest.
  EXPECT_EQ(ints(run1(OpKind::ReduceMax, {Tensor::fromInts(DType::u8, {3}, {7, 255, 0})})), (std::vector<int64_t>{255}));
  EXPECT_EQ(ints(run1(OpKind::ReduceMin, {Tensor::fromInts(DType::i8, {3}, {7, -128, 0})})), (std::vector<int64_t>{-128}));
  EXPECT_EQ(ints(run1(OpKind::ReduceMax, {i64({2}, {-3, -9})})), (std::vector<int64_t>{-3}));
  // bool: max is any, min is all.
  Tensor b = Tensor::fromInts(DType::boolean, {2, 2}, {0, 1, 0, 0});
  EXPECT_EQ(ints(run1(OpKind::ReduceMax, {b}, attrs({{"axes", std::vector<int64_t>{1}}}))), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(ints(run1(OpKind::ReduceMin, {b}, attrs({{"axes", std::vector<int64_t>{0}}}))), (std::vector<int64_t>{0, 0}));
}

TEST(InterpreterReduce, MaxLetsNaNWinAndEmptyGivesTheIdentity) {
  const double nan = std::nan("");
  Tensor x = f32({2, 3}, {nan, 1, 2, 1, 2, nan});
  for (OpKind k : {OpKind::ReduceMax, OpKind::ReduceMin}) {
    std::vector<double> r = values(run1(k, {x}, attrs({{"axes", std::vector<int64_t>{1}}})));
    EXPECT_TRUE(std::isnan(r[0]) && std::isnan(r[1])) << opKindName(k);
  }
  Tensor lo = run1(OpKind::ReduceMax, {f32({0, 2}, {})}, attrs({{"axes", std::vector<int64_t>{0}}}));
  EXPECT_EQ(values(lo), (std::vector<double>{-INFINITY, -INFINITY}));
  Tensor hi = run1(OpKind::ReduceMin, {i32({2, 0}, {})}, attrs({{"axes", std::vector<int64_t>{1}}}));
  EXPECT_EQ(ints(hi), (std::vector<int64_t>{2147483647, 2147483647}));
}

}  // namespace
}  // namespace shardc::ir
