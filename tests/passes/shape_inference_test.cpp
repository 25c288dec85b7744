#include <gtest/gtest.h>

#include "ir/error.h"
#include "passes/pass.h"
#include "ir/type_inference.h"

namespace shardc {
namespace {
using ir::DType;
using ir::OpKind;

ir::TensorType resultType(ir::OpKind kind, std::vector<ir::TensorType> operands, ir::Attributes attrs = {}) {
  ir::Graph g;
  std::vector<ir::ValueId> ins;
  for (size_t i = 0; i < operands.size(); ++i) ins.push_back(g.addInput("in" + std::to_string(i), operands[i]));
  ir::ValueId r = g.addOp1(kind, ins, "r", attrs, "n");
  passes::runShapeInference(g);
  return g.value(r).type;
}

ir::Attributes ints(const std::string& name, std::vector<int64_t> v) {
  ir::Attributes a;
  a.set(name, std::move(v));
  return a;
}

TEST(ShapeInference, BroadcastsBinaryOperands) {
  EXPECT_EQ(resultType(OpKind::Add, {{DType::f32, {2, 1, 3}}, {DType::f32, {4, 1}}}).shape.str(), "[2,4,3]");
  EXPECT_EQ(resultType(OpKind::Mul, {{DType::i64, {}}, {DType::i64, {5}}}).shape.str(), "[5]");
}

TEST(ShapeInference, MatMulFollowsNumpy) {
  EXPECT_EQ(resultType(OpKind::MatMul, {{DType::f32, {3}}, {DType::f32, {3, 4}}}).shape.str(), "[4]");
  EXPECT_EQ(resultType(OpKind::MatMul, {{DType::f32, {2, 3}}, {DType::f32, {3}}}).shape.str(), "[2]");
  EXPECT_EQ(resultType(OpKind::MatMul, {{DType::f32, {5, 1, 2, 3}}, {DType::f32, {4, 3, 6}}}).shape.str(),
            "[5,4,2,6]");
}

TEST(ShapeInference, ReductionsKeepOrDropAxes) {
  ir::Attributes keep = ints("axes", {-1, 0});
  EXPECT_EQ(resultType(OpKind::ReduceSum, {{DType::f32, {2, 3, 4}}}, keep).shape.str(), "[1,3,1]");
  keep.set("keepdims", int64_t{0});
  EXPECT_EQ(resultType(OpKind::ReduceMean, {{DType::f32, {2, 3, 4}}}, keep).shape.str(), "[3]");
  EXPECT_EQ(resultType(OpKind::ReduceSum, {{DType::f32, {2, 3}}}).shape.str(), "[1,1]");
}

TEST(ShapeInference, TransposeConcatFlattenSoftmax) {
  EXPECT_EQ(resultType(OpKind::Transpose, {{DType::f32, {2, 3, 4}}}, ints("perm", {2, 0, 1})).shape.str(), "[4,2,3]");
  EXPECT_EQ(resultType(OpKind::Transpose, {{DType::f32, {2, 3, 4}}}).shape.str(), "[4,3,2]");
  ir::Attributes axis;
  axis.set("axis", int64_t{1});
  EXPECT_EQ(resultType(OpKind::Concat, {{DType::f32, {2, 3}}, {DType::f32, {2, 5}}}, axis).shape.str(), "[2,8]");
  EXPECT_EQ(resultType(OpKind::Flatten, {{DType::f32, {2, 3, 4}}}, axis).shape.str(), "[2,12]");
  EXPECT_EQ(resultType(OpKind::Softmax, {{DType::f32, {2, 3}}}, axis).shape.str(), "[2,3]");
}

TEST(ShapeInference, GemmHonoursTransposeFlags) {
  ir::Attributes t;
  t.set("transA", int64_t{1});
  t.set("transB", int64_t{1});
  EXPECT_EQ(resultType(OpKind::Gemm, {{DType::f32, {3, 2}}, {DType::f32, {5, 3}}, {DType::f32, {5}}}, t).shape.str(),
            "[2,5]");
}

TEST(ShapeInference, DynamicDimsPropagate) {
  ir::Shape s({ir::kDynamicDim, 784});
  s.dimNames = {"batch", ""};
  ir::TensorType t = resultType(OpKind::Relu, {{DType::f32, s}});
  EXPECT_EQ(t.shape.str(), "[batch,784]");
}

TEST(ShapeInference, ErrorsNameTheNodeAndTheShapes) {
  try {
    resultType(OpKind::MatMul, {{DType::f32, {2, 3}}, {DType::f32, {4, 5}}});
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "node 'n' (MatMul): inner dimensions differ: [2,3] and [4,5]");
  }
  try {
    resultType(OpKind::Add, {{DType::f32, {2, 3}}, {DType::f32, {4}}});
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "node 'n' (Add): shapes [2,3] and [4] do not broadcast");
  }
  try {
    resultType(OpKind::Add, {{DType::f32, {2}}, {DType::i32, {2}}});
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "node 'n' (Add): operand types differ: f32 and i32");
  }
  ir::Attributes shape = ints("shape", {7});
  try {
    resultType(OpKind::Reshape, {{DType::f32, {2, 3}}}, shape);
    FAIL() << "no error";
  } catch (const ir::Error& e) {
    EXPECT_STREQ(e.what(), "node 'n' (Reshape): cannot reshape [2,3] (6 elements) to [7] (7 elements)");
  }
}

}  // namespace
}  // namespace shardc
