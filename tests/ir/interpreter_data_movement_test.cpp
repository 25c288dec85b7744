// The interpreter's data movement: Transpose, Reshape, Flatten, Concat put every element in its exact place.
#include <numeric>

#include <gtest/gtest.h>

#include "interpreter_test_util.h"

namespace shardc::ir {
namespace {

using namespace testing;

std::vector<double> iota(size_t n) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 0.0);
  return v;
}
std::vector<int64_t> iotaInts(size_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), int64_t{0});
  return v;
}

TEST(InterpreterTranspose, Perm201PutsEveryElementWherePermSays) {
  // in [2,3,4] with in[a,b,c] = a*12 + b*4 + c; perm [2,0,1] → out [4,2,3] with out[c,a,b] = in[a,b,c].
  Tensor r = run1(OpKind::Transpose, {f32({2, 3, 4}, iota(24))}, attrs({{"perm", std::vector<int64_t>{2, 0, 1}}}));
  EXPECT_EQ(r.type().str(), "f32[4,2,3]");
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(r.data<float>()[c * 6 + a * 3 + b], float(a * 12 + b * 4 + c));
  // The first elements, by hand: out[0,0,:] = in[0,:,0], out[0,1,:] = in[1,:,0], out[1,0,:] = in[0,:,1].
  std::vector<double> v = values(r);
  EXPECT_EQ(std::vector<double>(v.begin(), v.begin() + 9), (std::vector<double>{0, 4, 8, 12, 16, 20, 1, 5, 9}));
}

TEST(InterpreterTranspose, WithoutPermReversesTheDims) {
  Tensor r = run1(OpKind::Transpose, {i64({2, 3, 4}, iotaInts(24))});
  EXPECT_EQ(r.type().str(), "i64[4,3,2]");
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) EXPECT_EQ(r.data<int64_t>()[c * 6 + b * 2 + a], a * 12 + b * 4 + c);
  Tensor m = run1(OpKind::Transpose, {f64({2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(values(m), (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(InterpreterTranspose, ScalarsVectorsAndEmptyTensors) {
  EXPECT_EQ(values(run1(OpKind::Transpose, {f32({}, {7})})), (std::vector<double>{7}));
  EXPECT_EQ(values(run1(OpKind::Transpose, {f32({3}, {1, 2, 3})})), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(run1(OpKind::Transpose, {f32({0, 3}, {})}).type().str(), "f32[3,0]");
  // Identity perm: unchanged.
  Tensor r = run1(OpKind::Transpose, {f32({2, 2}, {1, 2, 3, 4})}, attrs({{"perm", std::vector<int64_t>{0, 1}}}));
  EXPECT_EQ(values(r), (std::vector<double>{1, 2, 3, 4}));
}

TEST(InterpreterTranspose, MovesHalfAndByteSizedElements) {
  Tensor h = tensor(DType::f16, {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(values(run1(OpKind::Transpose, {h})), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  Tensor b = Tensor::fromInts(DType::u8, {3, 1, 2}, {1, 2, 3, 4, 5, 6});
  Tensor r = run1(OpKind::Transpose, {b}, attrs({{"perm", std::vector<int64_t>{2, 1, 0}}}));
  EXPECT_EQ(r.type().str(), "u8[2,1,3]");
  EXPECT_EQ(ints(r), (std::vector<int64_t>{1, 3, 5, 2, 4, 6}));
}

TEST(InterpreterTranspose, OddSizes) {
  for (int64_t n : {1, 3, 17, 255}) {
    std::vector<double> x = randomFloats(size_t(3 * n), 51);
    Tensor r = run1(OpKind::Transpose, {f32({3, n}, x)});
    ASSERT_EQ(r.type().str(), fmt::format("f32[{},3]", n));
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < n; ++j) ASSERT_EQ(r.data<float>()[j * 3 + i], float(x[size_t(i * n + j)]));
  }
}

TEST(InterpreterReshape, KeepsTheElementOrder) {
  Tensor r = run1(OpKind::Reshape, {f32({2, 3}, {1, 2, 3, 4, 5, 6})}, attrs({{"shape", std::vector<int64_t>{3, 1, 2}}}));
  EXPECT_EQ(r.type().str(), "f32[3,1,2]");
  EXPECT_EQ(values(r), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  Tensor s = run1(OpKind::Reshape, {i32({1, 1}, {9})}, attrs({{"shape", std::vector<int64_t>{}}}));
  EXPECT_EQ(s.type().str(), "i32[]");
  EXPECT_EQ(ints(s), (std::vector<int64_t>{9}));
  EXPECT_EQ(run1(OpKind::Reshape, {f32({0, 4}, {})}, attrs({{"shape", std::vector<int64_t>{2, 0}}})).type().str(),
            "f32[2,0]");
}

TEST(InterpreterFlatten, SplitsTheDimsAtTheAxis) {
  Tensor x = f32({2, 3, 4}, iota(24));
  auto flat = [&](int64_t axis) { return run1(OpKind::Flatten, {x}, attrs({{"axis", axis}})); };
  EXPECT_EQ(flat(2).type().str(), "f32[6,4]");
  EXPECT_EQ(flat(-1).type().str(), "f32[6,4]");
  EXPECT_EQ(flat(1).type().str(), "f32[2,12]");
  EXPECT_EQ(flat(-2).type().str(), "f32[2,12]");
  EXPECT_EQ(flat(0).type().str(), "f32[1,24]");
  EXPECT_EQ(flat(3).type().str(), "f32[24,1]");
  EXPECT_EQ(values(flat(-1)), iota(24));
  // The default axis is 1.
  EXPECT_EQ(run1(OpKind::Flatten, {x}).type().str(), "f32[2,12]");
}

TEST(InterpreterConcat, JoinsThreeInputsAlongAxis1) {
  Tensor r = run1(OpKind::Concat, {i64({2, 1}, {1, 2}), i64({2, 2}, {3, 4, 5, 6}), i64({2, 1}, {7, 8})},
                  attrs({{"axis", int64_t{1}}}));
  EXPECT_EQ(r.type().str(), "i64[2,4]");
  EXPECT_EQ(ints(r), (std::vector<int64_t>{1, 3, 4, 7, 2, 5, 6, 8}));
}

TEST(InterpreterConcat, JoinsAlongAxis0AndANegativeAxis) {
  Tensor a = f32({1, 2}, {1, 2}), b = f32({2, 2}, {3, 4, 5, 6});
  EXPECT_EQ(values(run1(OpKind::Concat, {a, b}, attrs({{"axis", int64_t{0}}}))), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(values(run1(OpKind::Concat, {a, b}, attrs({{"axis", int64_t{-2}}}))), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // Rank 3, axis -1 = 2: [2,2,1] ++ [2,2,2] → [2,2,3].
  Tensor x = f64({2, 2, 1}, {1, 2, 3, 4}), y = f64({2, 2, 2}, {10, 11, 20, 21, 30, 31, 40, 41});
  Tensor r = run1(OpKind::Concat, {x, y}, attrs({{"axis", int64_t{-1}}}));
  EXPECT_EQ(r.type().str(), "f64[2,2,3]");
  EXPECT_EQ(values(r), (std::vector<double>{1, 10, 11, 2, 20, 21, 3, 30, 31, 4, 40, 41}));
  // Middle axis of rank 3.
  Tensor m = run1(OpKind::Concat, {f32({2, 1, 2}, {1, 2, 3, 4}), f32({2, 1, 2}, {5, 6, 7, 8})}, attrs({{"axis", int64_t{1}}}));
  EXPECT_EQ(values(m), (std::vector<double>{1, 2, 5, 6, 3, 4, 7, 8}));
}

TEST(InterpreterConcat, SkipsEmptyOperandsAndJoinsSingleOnes) {
  Tensor r = run1(OpKind::Concat, {f32({2, 0}, {}), f32({2, 1}, {1, 2}), f32({2, 0}, {}), f32({2, 2}, {3, 4, 5, 6})},
                  attrs({{"axis", int64_t{1}}}));
  EXPECT_EQ(r.type().str(), "f32[2,3]");
  EXPECT_EQ(values(r), (std::vector<double>{1, 3, 4, 2, 5, 6}));
  EXPECT_EQ(values(run1(OpKind::Concat, {f32({3}, {1, 2, 3})})), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(run1(OpKind::Concat, {f32({0, 2}, {}), f32({0, 2}, {})}, attrs({{"axis", int64_t{1}}})).type().str(),
            "f32[0,4]");
}

TEST(InterpreterConcat, OddSizes) {
  for (int64_t n : {1, 3, 17, 255}) {
    std::vector<double> a = randomFloats(size_t(3 * n), 61), b = randomFloats(size_t(3 * 2), 62);
    Tensor r = run1(OpKind::Concat, {f32({3, n}, a), f32({3, 2}, b)}, attrs({{"axis", int64_t{1}}}));
    ASSERT_EQ(r.type().str(), fmt::format("f32[3,{}]", n + 2));
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < n + 2; ++j)
        ASSERT_EQ(r.data<float>()[i * (n + 2) + j], float(j < n ? a[size_t(i * n + j)] : b[size_t(i * 2 + j - n)]));
  }
}

}  // namespace
}  // namespace shardc::ir
