// The interpreter's MatMul (numpy semantics) and Gemm, against hand values and naive loops.
#include <tuple>

#include <gtest/gtest.h>

#include "interpreter_test_util.h"

namespace shardc::ir {
namespace {

using namespace testing;

// C = A @ B of row-major [m,k] and [k,n], summing in double in order of k, each element rounded to float once.
std::vector<float> naiveMatMul(const std::vector<double>& a, const std::vector<double>& b, int64_t m, int64_t k,
                               int64_t n) {
  std::vector<float> c;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[size_t(i * k + p)] * b[size_t(p * n + j)];
      c.push_back(static_cast<float>(acc));
    }
  return c;
}

TEST(InterpreterMatMul, MatchesATripleLoopForOddSizes) {
  using Mkn = std::tuple<int64_t, int64_t, int64_t>;
  for (auto [m, k, n] : std::vector<Mkn>{{1, 1, 1}, {3, 17, 5}, {17, 255, 3}, {255, 3, 17}, {1, 255, 1}, {17, 17, 17}}) {
    std::vector<double> a = randomFloats(size_t(m * k), 11), b = randomFloats(size_t(k * n), 12);
    Tensor r = run1(OpKind::MatMul, {f32({m, k}, a), f32({k, n}, b)});
    ASSERT_EQ(r.type().str(), fmt::format("f32[{},{}]", m, n));
    EXPECT_EQ(floats(r), naiveMatMul(a, b, m, k, n)) << m << "x" << k << "x" << n;
  }
}

TEST(InterpreterMatMul, F64AndIntegersAreExact) {
  const int64_t m = 3, k = 17, n = 5;
  std::vector<double> a = randomFloats(size_t(m * k), 21), b = randomFloats(size_t(k * n), 22);
  Tensor r = run1(OpKind::MatMul, {f64({m, k}, a), f64({k, n}, b)});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += a[size_t(i * k + p)] * b[size_t(p * n + j)];
      EXPECT_EQ(r.data<double>()[i * n + j], acc);
    }
  std::vector<int64_t> ia = randomInts(size_t(m * k), 23, -100, 100), ib = randomInts(size_t(k * n), 24, -100, 100);
  for (DType t : {DType::i32, DType::i64}) {
    Tensor ri = run1(OpKind::MatMul, {Tensor::fromInts(t, {m, k}, ia), Tensor::fromInts(t, {k, n}, ib)});
    std::vector<int64_t> expected;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += ia[size_t(i * k + p)] * ib[size_t(p * n + j)];
        expected.push_back(acc);
      }
    EXPECT_EQ(ints(ri), expected) << dtypeName(t);
  }
}

TEST(InterpreterMatMul, AVectorOnTheLeftIsARowAndIsSqueezed) {
  Tensor r = run1(OpKind::MatMul, {f32({2}, {1, 2}), f32({2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(r.type().str(), "f32[3]");
  EXPECT_EQ(values(r), (std::vector<double>{9, 12, 15}));
}

TEST(InterpreterMatMul, AVectorOnTheRightIsAColumnAndIsSqueezed) {
  Tensor r = run1(OpKind::MatMul, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {1, 0, -1})});
  EXPECT_EQ(r.type().str(), "f32[2]");
  EXPECT_EQ(values(r), (std::vector<double>{-2, -2}));
}

TEST(InterpreterMatMul, TwoVectorsGiveTheirDotProductAsAScalar) {
  Tensor r = run1(OpKind::MatMul, {f32({3}, {1, 2, 3}), f32({3}, {4, -5, 6})});
  EXPECT_EQ(r.type().str(), "f32[]");
  EXPECT_EQ(values(r), (std::vector<double>{12}));
}

TEST(InterpreterMatMul, VectorsAgainstBatchedMatrices) {
  // [3] @ [2,3,2] → [2,2]: the vector times each matrix.
  Tensor r = run1(OpKind::MatMul, {f32({3}, {1, 1, 1}), f32({2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})});
  EXPECT_EQ(r.type().str(), "f32[2,2]");
  EXPECT_EQ(values(r), (std::vector<double>{9, 12, 27, 30}));
  // [2,2,3] @ [3] → [2,2]: each matrix times the vector.
  Tensor s = run1(OpKind::MatMul, {f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}), f32({3}, {1, 0, 2})});
  EXPECT_EQ(s.type().str(), "f32[2,2]");
  EXPECT_EQ(values(s), (std::vector<double>{7, 16, 25, 34}));
}

TEST(InterpreterMatMul, BroadcastsBatchDims) {
  // [2,1,2,3] @ [3,3,2] → [2,3,2,2]: result batch (i,j) is A[i,0] @ B[j].
  const int64_t m = 2, k = 3, n = 2;
  std::vector<double> a = randomFloats(2 * 1 * 6, 31), b = randomFloats(3 * 6, 32);
  Tensor r = run1(OpKind::MatMul, {f32({2, 1, m, k}, a), f32({3, k, n}, b)});
  ASSERT_EQ(r.type().str(), "f32[2,3,2,2]");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      std::vector<double> ai(a.begin() + i * m * k, a.begin() + (i + 1) * m * k);
      std::vector<double> bj(b.begin() + j * k * n, b.begin() + (j + 1) * k * n);
      std::vector<float> expected = naiveMatMul(ai, bj, m, k, n);
      std::vector<float> got(r.data<float>() + (i * 3 + j) * m * n, r.data<float>() + (i * 3 + j + 1) * m * n);
      EXPECT_EQ(got, expected) << "batch " << i << "," << j;
    }
  // A batch of 1 on the right against 4 on the left, exact by hand: B = identity scaled by 2.
  Tensor s = run1(OpKind::MatMul, {f32({4, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), f32({1, 2, 2}, {2, 0, 0, 2})});
  EXPECT_EQ(s.type().str(), "f32[4,1,2]");
  EXPECT_EQ(values(s), (std::vector<double>{2, 4, 6, 8, 10, 12, 14, 16}));
}

TEST(InterpreterMatMul, EmptyDimensions) {
  // K = 0: every element is an empty sum.
  Tensor r = run1(OpKind::MatMul, {f32({2, 0}, {}), f32({0, 3}, {})});
  EXPECT_EQ(r.type().str(), "f32[2,3]");
  EXPECT_EQ(values(r), (std::vector<double>(6, 0.0)));
  EXPECT_EQ(run1(OpKind::MatMul, {f32({0, 3}, {}), f32({3, 2}, {1, 2, 3, 4, 5, 6})}).type().str(), "f32[0,2]");
  EXPECT_EQ(run1(OpKind::MatMul, {f32({0, 1, 3}, {}), f32({3, 2}, {1, 2, 3, 4, 5, 6})}).type().str(), "f32[0,1,2]");
}

// Y = alpha * op(A) @ op(B) + beta * C, with C read through `c(i, j)`; sums in double in order, rounded once.
template <typename CAt>
std::vector<float> naiveGemm(const std::vector<double>& a, const std::vector<double>& b, int64_t m, int64_t k,
                             int64_t n, bool ta, bool tb, double alpha, double beta, CAt c) {
  std::vector<float> y;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p)
        acc += a[size_t(ta ? p * m + i : i * k + p)] * b[size_t(tb ? j * k + p : p * n + j)];
      y.push_back(static_cast<float>(alpha * acc + beta * c(i, j)));
    }
  return y;
}

Attributes gemmAttrs(double alpha, double beta, bool ta, bool tb) {
  return attrs({{"alpha", alpha}, {"beta", beta}, {"transA", int64_t{ta}}, {"transB", int64_t{tb}}});
}

TEST(InterpreterGemm, DefaultsToAProductPlusC) {
  Tensor r = run1(OpKind::Gemm, {f32({1, 2}, {1, 1}), f32({2, 2}, {1, 2, 3, 4}), f32({1, 2}, {1, -1})});
  EXPECT_EQ(values(r), (std::vector<double>{5, 5}));
  Tensor noC = run1(OpKind::Gemm, {f32({2, 2}, {1, 2, 3, 4}), f32({2, 1}, {1, 1})});
  EXPECT_EQ(noC.type().str(), "f32[2,1]");
  EXPECT_EQ(values(noC), (std::vector<double>{3, 7}));
}

TEST(InterpreterGemm, TransposesScalesAndBroadcastsARowOfC) {
  // A stored [K,M] = [[1,2],[3,4]] so op(A) = [[1,3],[2,4]]; B stored [N,K] = [[1,0],[1,1],[0,2]] so
  // op(B) = [[1,1,0],[0,1,2]]; op(A) @ op(B) = [[1,4,6],[2,6,8]]; C [N] = [10,20,30].
  Tensor r = run1(OpKind::Gemm, {f32({2, 2}, {1, 2, 3, 4}), f32({3, 2}, {1, 0, 1, 1, 0, 2}), f32({3}, {10, 20, 30})},
                  gemmAttrs(2.0, 0.5, true, true));
  EXPECT_EQ(r.type().str(), "f32[2,3]");
  EXPECT_EQ(values(r), (std::vector<double>{2 + 5, 8 + 10, 12 + 15, 4 + 5, 12 + 10, 16 + 15}));
}

TEST(InterpreterGemm, BroadcastsAColumnOfC) {
  // C [M,1] adds one value per row.
  Tensor r = run1(OpKind::Gemm, {f32({2, 2}, {1, 2, 3, 4}), f32({2, 3}, {1, 0, 1, 0, 1, 1}), f32({2, 1}, {100, 200})},
                  gemmAttrs(1.0, -1.0, false, false));
  EXPECT_EQ(values(r), (std::vector<double>{1 - 100, 2 - 100, 3 - 100, 3 - 200, 4 - 200, 7 - 200}));
  // A scalar C and a [1] C add to every element.
  Tensor s = run1(OpKind::Gemm, {f32({1, 1}, {3}), f32({1, 2}, {1, 2}), f32({}, {0.5})});
  EXPECT_EQ(values(s), (std::vector<double>{3.5, 6.5}));
  Tensor u = run1(OpKind::Gemm, {f32({1, 1}, {3}), f32({1, 2}, {1, 2}), f32({1}, {-1})});
  EXPECT_EQ(values(u), (std::vector<double>{2, 5}));
}

TEST(InterpreterGemm, MatchesANaiveLoopForEveryTransposeAndOddSizes) {
  using Mkn = std::tuple<int64_t, int64_t, int64_t>;
  for (auto [m, k, n] : std::vector<Mkn>{{1, 1, 1}, {3, 17, 5}, {17, 3, 255}})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        std::vector<double> a = randomFloats(size_t(m * k), 41), b = randomFloats(size_t(k * n), 42);
        std::vector<double> cRow = randomFloats(size_t(n), 43), cFull = randomFloats(size_t(m * n), 44);
        Shape sa = ta ? Shape({k, m}) : Shape({m, k}), sb = tb ? Shape({n, k}) : Shape({k, n});
        Tensor r = run1(OpKind::Gemm, {f32(sa, a), f32(sb, b), f32({n}, cRow)}, gemmAttrs(0.5, -2.0, ta, tb));
        EXPECT_EQ(floats(r), naiveGemm(a, b, m, k, n, ta, tb, 0.5, -2.0, [&](int64_t, int64_t j) { return cRow[size_t(j)]; }))
            << m << "x" << k << "x" << n << " transA=" << ta << " transB=" << tb;
        Tensor f = run1(OpKind::Gemm, {f32(sa, a), f32(sb, b), f32({m, n}, cFull)}, gemmAttrs(1.5, 0.25, ta, tb));
        EXPECT_EQ(floats(f),
                  naiveGemm(a, b, m, k, n, ta, tb, 1.5, 0.25, [&](int64_t i, int64_t j) { return cFull[size_t(i * n + j)]; }))
            << m << "x" << k << "x" << n << " transA=" << ta << " transB=" << tb;
      }
}

TEST(InterpreterGemm, IntegersAreExact) {
  Tensor r = run1(OpKind::Gemm, {i64({2, 2}, {1, -2, 3, 4}), i64({2, 2}, {5, 6, 7, -8}), i64({2}, {-100, 100})});
  EXPECT_EQ(ints(r), (std::vector<int64_t>{5 - 14 - 100, 6 + 16 + 100, 15 + 28 - 100, 18 - 32 + 100}));
  Tensor s = run1(OpKind::Gemm, {i32({1, 2}, {1, 2}), i32({2, 1}, {3, 4}), i32({1}, {1})}, gemmAttrs(2.0, -3.0, false, false));
  EXPECT_EQ(ints(s), (std::vector<int64_t>{2 * 11 - 3}));
}

TEST(InterpreterGemm, RejectsACOfAnotherElementType) {
  EXPECT_EQ(errorOf([] { run1(OpKind::Gemm, {f32({1, 1}, {1}), f32({1, 1}, {1}), f64({1}, {1})}); }),
            "node 'n' (Gemm): C has element type f64, A and B f32");
}

}  // namespace
}  // namespace shardc::ir
