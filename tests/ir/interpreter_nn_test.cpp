// The interpreter's Conv, pools, Gather, Slice, Expand, comparisons, Where and Cast, on cases worked by hand.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "interpreter_test_util.h"

namespace shardc::ir {
namespace {
using testing::run1;

Tensor f32(Shape s, std::vector<double> v) { return Tensor::fromDoubles(DType::f32, std::move(s), v); }
std::vector<double> values(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i) v.push_back(t.elementAsDouble(i));
  return v;
}
Tensor nine() { return f32(Shape({1, 1, 3, 3}), {1, 2, 3, 4, 5, 6, 7, 8, 9}); }

Attributes window(std::vector<int64_t> pads, std::vector<int64_t> strides) {
  Attributes a;
  a.set("pads", pads);
  a.set("strides", strides);
  a.set("dilations", std::vector<int64_t>{1, 1});
  return a;
}

TEST(InterpreterConv, PaddedStridedWindowSumsOnlyRealElements) {
  Attributes a = window({1, 1, 1, 1}, {2, 2});
  a.set("group", int64_t{1});
  Tensor y = run1(OpKind::Conv, {nine(), f32(Shape({1, 1, 2, 2}), {1, 1, 1, 1})}, a);
  EXPECT_EQ(y.shape().str(), "[1,1,2,2]");
  EXPECT_EQ(values(y), (std::vector<double>{1, 5, 11, 28}));
}

TEST(InterpreterConv, GroupsAndBias) {
  // Two groups of one channel each: channel 0 scaled by 2, channel 1 by -1, plus biases 10 and 20.
  Tensor x = f32(Shape({1, 2, 1, 2}), {1, 2, 3, 4});
  Attributes a = window({0, 0, 0, 0}, {1, 1});
  a.set("group", int64_t{2});
  Tensor y = run1(OpKind::Conv, {x, f32(Shape({2, 1, 1, 1}), {2, -1}), f32(Shape({2}), {10, 20})}, a);
  EXPECT_EQ(values(y), (std::vector<double>{12, 14, 17, 16}));
}

TEST(InterpreterPool, CeilModeKeepsThePartialWindows) {
  Attributes a = window({0, 0, 0, 0}, {2, 2});
  a.set("kernel_shape", std::vector<int64_t>{2, 2});
  a.set("ceil_mode", int64_t{1});
  EXPECT_EQ(values(run1(OpKind::MaxPool, {nine()}, a)), (std::vector<double>{5, 6, 8, 9}));
  EXPECT_EQ(values(run1(OpKind::AveragePool, {nine()}, a)), (std::vector<double>{3, 4.5, 7.5, 9}));
}

TEST(InterpreterPool, CountIncludePadDividesByTheWholeWindow) {
  Attributes a = window({1, 1, 0, 0}, {2, 2});
  a.set("kernel_shape", std::vector<int64_t>{2, 2});
  a.set("count_include_pad", int64_t{1});
  // Windows at (-1,-1): {1}, (-1,1): {2,3}, (1,-1): {4,7}, (1,1): {5,6,8,9}; each divided by 4.
  EXPECT_EQ(values(run1(OpKind::AveragePool, {nine()}, a)), (std::vector<double>{0.25, 1.25, 2.75, 7}));
}

TEST(InterpreterGather, RowsByIndexNegativeCountingFromTheEnd) {
  Attributes a;
  a.set("axis", int64_t{1});
  Tensor data = f32(Shape({2, 3}), {1, 2, 3, 4, 5, 6});
  Tensor idx = Tensor::fromInts(DType::i64, Shape({2}), {-1, 0});
  Tensor y = run1(OpKind::Gather, {data, idx}, a);
  EXPECT_EQ(y.shape().str(), "[2,2]");
  EXPECT_EQ(values(y), (std::vector<double>{3, 1, 6, 4}));
  Tensor bad = Tensor::fromInts(DType::i64, Shape({1}), {3});
  EXPECT_NE(testing::errorOf([&] { run1(OpKind::Gather, {data, bad}, a); }).find("index 3 (element 0 of the indices) is out of range for a dim of 3"),
            std::string::npos);
}

TEST(InterpreterSlice, NegativeStepRunsBackwardsToTheFront) {
  Attributes a;
  a.set("starts", std::vector<int64_t>{4});
  a.set("ends", std::vector<int64_t>{-1});
  a.set("steps", std::vector<int64_t>{-2});
  Tensor y = run1(OpKind::Slice, {f32(Shape({5}), {0, 1, 2, 3, 4})}, a);
  EXPECT_EQ(values(y), (std::vector<double>{4, 2, 0}));
}

TEST(InterpreterExpand, BroadcastsBothWays) {
  Attributes a;
  a.set("shape", std::vector<int64_t>{2, 1});
  Tensor y = run1(OpKind::Expand, {f32(Shape({3}), {1, 2, 3})}, a);
  EXPECT_EQ(y.shape().str(), "[2,3]");
  EXPECT_EQ(values(y), (std::vector<double>{1, 2, 3, 1, 2, 3}));
}

TEST(InterpreterSelect, ComparisonsWithNaNAreFalseAndWherePicks) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = f32(Shape({4}), {1, nan, 3, -2});
  Tensor zero = f32(Shape{}, {0});
  Tensor less = run1(OpKind::Less, {x, zero});
  EXPECT_EQ(less.dtype(), DType::boolean);
  EXPECT_EQ(values(less), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(values(run1(OpKind::GreaterOrEqual, {x, zero})), (std::vector<double>{1, 0, 1, 0}));
  Tensor y = run1(OpKind::Where, {less, f32(Shape{}, {-100}), x});
  EXPECT_EQ(values(y)[0], 1);
  EXPECT_TRUE(std::isnan(values(y)[1]));
  EXPECT_EQ(values(y)[3], -100);
  EXPECT_EQ(values(run1(OpKind::Not, {less})), (std::vector<double>{1, 1, 1, 0}));
}

TEST(InterpreterCast, FloatToIntTruncatesAndSaturatesNaNToZero) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  Attributes to;
  to.set("to", std::string("i32"));
  Tensor y = run1(OpKind::Cast, {f32(Shape({5}), {-2.7, 2.7, nan, 1e20, -1e20})}, to);
  EXPECT_EQ(y.dtype(), DType::i32);
  EXPECT_EQ(values(y), (std::vector<double>{-2, 2, 0, 2147483647, -2147483648.0}));
  to.set("to", std::string("bool"));
  EXPECT_EQ(values(run1(OpKind::Cast, {f32(Shape({3}), {0, -0.5, nan})}, to)), (std::vector<double>{0, 1, 1}));
  to.set("to", std::string("u8"));
  EXPECT_EQ(values(run1(OpKind::Cast, {Tensor::fromInts(DType::i32, Shape({2}), {257, -1})}, to)),
            (std::vector<double>{1, 255}));
}

TEST(InterpreterSelection, TopKTiesGoToTheLowerIndexAndArgMaxCanPickTheLast) {
  Tensor x = f32(Shape({5}), {3, 7, 7, 1, 3});
  Attributes a;
  a.set("axis", int64_t{0});
  a.set("k", int64_t{3});
  a.set("largest", int64_t{1});
  a.set("output", std::string("values"));
  EXPECT_EQ(values(run1(OpKind::TopK, {x}, a)), (std::vector<double>{7, 7, 3}));
  a.set("output", std::string("indices"));
  EXPECT_EQ(values(run1(OpKind::TopK, {x}, a)), (std::vector<double>{1, 2, 0}));
  a.set("largest", int64_t{0});
  EXPECT_EQ(values(run1(OpKind::TopK, {x}, a)), (std::vector<double>{3, 0, 4}));
  Attributes am;
  am.set("axis", int64_t{0});
  am.set("keepdims", int64_t{1});
  EXPECT_EQ(values(run1(OpKind::ArgMax, {x}, am)), (std::vector<double>{1}));
  am.set("select_last_index", int64_t{1});
  EXPECT_EQ(values(run1(OpKind::ArgMax, {x}, am)), (std::vector<double>{2}));
  EXPECT_EQ(values(run1(OpKind::ArgMin, {x}, am)), (std::vector<double>{3}));
}

TEST(InterpreterSelection, PadModes) {
  Tensor x = f32(Shape({3}), {1, 2, 3});
  Attributes a;
  a.set("pads", std::vector<int64_t>{2, 3});
  a.set("value", 9.0);
  for (auto [mode, want] : std::vector<std::pair<std::string, std::vector<double>>>{
           {"constant", {9, 9, 1, 2, 3, 9, 9, 9}},
           {"edge", {1, 1, 1, 2, 3, 3, 3, 3}},
           {"reflect", {3, 2, 1, 2, 3, 2, 1, 2}},
           {"wrap", {2, 3, 1, 2, 3, 1, 2, 3}}}) {
    a.set("mode", mode);
    EXPECT_EQ(values(run1(OpKind::Pad, {x}, a)), want) << mode;
  }
  a.set("pads", std::vector<int64_t>{-1, 0});
  a.set("mode", std::string("constant"));
  EXPECT_EQ(values(run1(OpKind::Pad, {x}, a)), (std::vector<double>{2, 3}));
}

TEST(InterpreterSelection, GatherElementsAndReduceProd) {
  Attributes a;
  a.set("axis", int64_t{1});
  Tensor data = f32(Shape({2, 2}), {1, 2, 3, 4});
  Tensor idx = Tensor::fromInts(DType::i64, Shape({2, 2}), {0, 0, 1, -2});
  EXPECT_EQ(values(run1(OpKind::GatherElements, {data, idx}, a)), (std::vector<double>{1, 1, 4, 3}));
  Attributes r;
  r.set("axes", std::vector<int64_t>{0});
  r.set("keepdims", int64_t{0});
  EXPECT_EQ(values(run1(OpKind::ReduceProd, {data}, r)), (std::vector<double>{3, 8}));
}

TEST(InterpreterConv, TransposedScattersEachInputThroughTheKernel) {
  // 1-D: x = [1, 2], w = [1, 10, 100], stride 2: y[2i + k] += x[i] * w[k] -> [1, 10, 102, 20, 200].
  Attributes a;
  a.set("strides", std::vector<int64_t>{2});
  a.set("pads", std::vector<int64_t>{0, 0});
  a.set("dilations", std::vector<int64_t>{1});
  a.set("group", int64_t{1});
  Tensor y = run1(OpKind::ConvTranspose, {f32(Shape({1, 1, 2}), {1, 2}), f32(Shape({1, 1, 3}), {1, 10, 100})}, a);
  EXPECT_EQ(y.shape().str(), "[1,1,5]");
  EXPECT_EQ(values(y), (std::vector<double>{1, 10, 102, 20, 200}));
  a.set("pads", std::vector<int64_t>{1, 1});
  EXPECT_EQ(values(run1(OpKind::ConvTranspose, {f32(Shape({1, 1, 2}), {1, 2}), f32(Shape({1, 1, 3}), {1, 10, 100})}, a)),
            (std::vector<double>{10, 102, 20}));
}

}  // namespace
}  // namespace shardc::ir
