#include <cmath>

#include <gtest/gtest.h>

#include "frontend/onnx_importer.h"
#include "frontend/onnx_writer.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/printer.h"
#include "onnx_model_builder.h"

namespace shardc::frontend {
namespace {
using testing::OnnxModelBuilder;

ir::Tensor f32(ir::Shape s, std::vector<double> v) { return ir::Tensor::fromDoubles(ir::DType::f32, std::move(s), v); }
ir::Tensor i64(ir::Shape s, std::vector<int64_t> v) { return ir::Tensor::fromInts(ir::DType::i64, std::move(s), v); }

std::string importText(const OnnxModelBuilder& b, const std::string& name, const ImportOptions& o = {}) {
  ir::PrintOptions all;
  all.elideAbove = -1;
  return ir::printGraph(importOnnxFile(b.write(name), o), all);
}

std::string importError(const OnnxModelBuilder& b, const std::string& name, const ImportOptions& o = {}) {
  std::string path = b.write(name);
  try {
    importOnnxFile(path, o);
  } catch (const ir::Error& e) {
    std::string m = e.what();
    auto at = m.find(path);
    return at == std::string::npos ? m : m.replace(at, path.size(), "<model>");
  }
  return "";
}

TEST(OnnxImporter, InitializersBecomeNamedParamsAndInputsKeepNames) {
  OnnxModelBuilder b(17);
  b.input("x", {2, 3}).initializer("fc.weight", f32({3, 2}, {1, 2, 3, 4, 5, 6}));
  b.node("MatMul", {"x", "fc.weight"}, {"y"}, "fc");
  b.output("y");
  EXPECT_EQ(importText(b, "init"), R"(graph @test {
  input %x : f32[2,3]
  param %fc.weight : f32[3,2] = 0x0000803f0000004000004040000080400000a0400000c040
  %y = MatMul(%x, %fc.weight) loc("fc") : f32[2,2]
  output %y
}
)");
}

// IR version 3 models list initializers among the inputs too; they stay parameters.
TEST(OnnxImporter, InitializerListedAsInputIsAParam) {
  OnnxModelBuilder b(9);
  b.input("x", {2}).input("w", {2}).initializer("w", f32({2}, {1, 2}));
  b.node("Add", {"x", "w"}, {"y"});
  b.output("y");
  ir::Graph g = importOnnxFile(b.write("init_input"));
  EXPECT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.params().size(), 1u);
}

TEST(OnnxImporter, SoftmaxBefore13CoercesTo2D) {
  OnnxModelBuilder b(11);
  b.input("x", {2, 3, 4});
  b.node("Softmax", {"x"}, {"y"}, "sm");
  b.output("y");
  EXPECT_EQ(importText(b, "softmax11"), R"(graph @test {
  input %x : f32[2,3,4]
  %y.Reshape = Reshape(%x) {shape = [2, 12]} loc("sm") : f32[2,12]
  %y.Softmax = Softmax(%y.Reshape) {axis = 1} loc("sm") : f32[2,12]
  %y = Reshape(%y.Softmax) {shape = [2, 3, 4]} loc("sm") : f32[2,3,4]
  output %y
}
)");
}

TEST(OnnxImporter, SoftmaxFrom13IsOneAxis) {
  OnnxModelBuilder b(13);
  b.input("x", {2, 3, 4});
  b.node("Softmax", {"x"}, {"y"}, "sm");
  b.output("y");
  EXPECT_NE(importText(b, "softmax13").find("%y = Softmax(%x) {axis = 2} loc(\"sm\") : f32[2,3,4]"), std::string::npos);
}

TEST(OnnxImporter, ReduceSumAxesAttributeBefore13InputAfter) {
  OnnxModelBuilder a(11);
  a.input("x", {2, 3, 4});
  auto& n = a.node("ReduceSum", {"x"}, {"y"}, "r");
  OnnxModelBuilder::intsAttr(n, "axes", {-1, 0});
  OnnxModelBuilder::intAttr(n, "keepdims", 0);
  a.output("y");
  EXPECT_NE(importText(a, "rs11").find("%y = ReduceSum(%x) {axes = [0, 2], keepdims = 0} loc(\"r\") : f32[3]"),
            std::string::npos);

  OnnxModelBuilder b(13);
  b.input("x", {2, 3, 4}).initializer("axes", i64({1}, {1}));
  b.node("ReduceSum", {"x", "axes"}, {"y"}, "r");
  b.output("y");
  EXPECT_NE(importText(b, "rs13").find("%y = ReduceSum(%x) {axes = [1], keepdims = 1} loc(\"r\") : f32[2,1,4]"),
            std::string::npos);

  OnnxModelBuilder c(13);
  c.input("x", {2, 3});
  auto& noop = c.node("ReduceSum", {"x"}, {"y"}, "r");
  OnnxModelBuilder::intAttr(noop, "noop_with_empty_axes", 1);
  c.output("y");
  EXPECT_NE(importText(c, "rs13noop").find("%y = Identity(%x) loc(\"r\") : f32[2,3]"), std::string::npos);
}

TEST(OnnxImporter, ReduceMeanAxesBecomeAnInputAt18) {
  OnnxModelBuilder a(13);
  a.input("x", {2, 3});
  OnnxModelBuilder::intsAttr(a.node("ReduceMean", {"x"}, {"y"}, "m"), "axes", {1});
  a.output("y");
  EXPECT_NE(importText(a, "rm13").find("ReduceMean(%x) {axes = [1], keepdims = 1}"), std::string::npos);
  OnnxModelBuilder b(18);
  b.input("x", {2, 3}).initializer("axes", i64({1}, {0}));
  b.node("ReduceMean", {"x", "axes"}, {"y"}, "m");
  b.output("y");
  EXPECT_NE(importText(b, "rm18").find("ReduceMean(%x) {axes = [0], keepdims = 1} loc(\"m\") : f32[1,3]"),
            std::string::npos);
}

TEST(OnnxImporter, ReshapeResolvesZeroMinusOneAndAllowZero) {
  OnnxModelBuilder a(14);
  a.input("x", {2, 3, 4}).initializer("s", i64({3}, {0, -1, 2}));
  a.node("Reshape", {"x", "s"}, {"y"}, "r");
  a.output("y");
  EXPECT_NE(importText(a, "reshape").find("%y = Reshape(%x) {shape = [2, 6, 2]}"), std::string::npos);
  OnnxModelBuilder b(14);
  b.input("x", {0, 3}).initializer("s", i64({2}, {3, 0}));
  OnnxModelBuilder::intAttr(b.node("Reshape", {"x", "s"}, {"y"}, "r"), "allowzero", 1);
  b.output("y");
  EXPECT_NE(importText(b, "reshape_allowzero").find("%y = Reshape(%x) {shape = [3, 0]}"), std::string::npos);
}

TEST(OnnxImporter, FlattenNegativeAxisAndGemmAttributes) {
  OnnxModelBuilder b(13);
  b.input("x", {2, 3, 4});
  OnnxModelBuilder::intAttr(b.node("Flatten", {"x"}, {"f"}, "fl"), "axis", -2);
  b.input("v", {5, 4});
  auto& gemm = b.node("Gemm", {"v", "v"}, {"y"}, "g");
  OnnxModelBuilder::intAttr(gemm, "transB", 1);
  OnnxModelBuilder::floatAttr(gemm, "alpha", 0.5f);
  b.output("f").output("y");
  std::string text = importText(b, "flatten_gemm");
  EXPECT_NE(text.find("%f = Flatten(%x) {axis = 1} loc(\"fl\") : f32[2,12]"), std::string::npos) << text;
  EXPECT_NE(text.find("%y = Gemm(%v, %v) {alpha = 0.5, beta = 1.0, transA = 0, transB = 1} loc(\"g\") : f32[5,5]"),
            std::string::npos)
      << text;
}

TEST(OnnxImporter, ConstantNodesBecomeParams) {
  OnnxModelBuilder b(13);
  b.input("x", {2});
  auto& c = b.node("Constant", {}, {"k"}, "c");
  auto* a = c.add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(0.5f);
  a->add_floats(2.0f);
  b.node("Mul", {"x", "k"}, {"y"}, "m");
  b.output("y");
  ir::Graph g = importOnnxFile(b.write("constant"));
  ASSERT_EQ(g.params().size(), 1u);
  EXPECT_EQ(g.value(g.params()[0]).name, "k");
  std::vector<ir::Tensor> out = ir::interpret(g, {f32({2}, {4, 4})});
  EXPECT_EQ(out[0].data<float>()[0], 2.0f);
  EXPECT_EQ(out[0].data<float>()[1], 8.0f);
}

TEST(OnnxImporter, LegacyBroadcastWithAxisBefore7) {
  OnnxModelBuilder b(6);
  b.input("x", {2, 3, 4}).input("y", {3});
  auto& n = b.node("Add", {"x", "y"}, {"z"}, "add");
  OnnxModelBuilder::intAttr(n, "broadcast", 1);
  OnnxModelBuilder::intAttr(n, "axis", 1);
  b.output("z");
  ir::Graph g = importOnnxFile(b.write("legacy_bcast"));
  std::vector<double> xs(24, 0.0);
  std::vector<ir::Tensor> out = ir::interpret(g, {f32({2, 3, 4}, xs), f32({3}, {1, 2, 3})});
  EXPECT_EQ(out[0].data<float>()[0], 1.0f);
  EXPECT_EQ(out[0].data<float>()[4], 2.0f);   // [0,1,0] gets y[1]
  EXPECT_EQ(out[0].data<float>()[23], 3.0f);  // [1,2,3] gets y[2]
}

TEST(OnnxImporter, DynamicDimensionNeedsAShape) {
  OnnxModelBuilder b(17);
  b.input("x", {0, 784}, onnx::TensorProto::FLOAT, {"N", ""});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  EXPECT_EQ(importError(b, "dynamic"),
            "input 'x' has dynamic dimension 'N' (shape [N,784]); give it with --shape x=1x784");
  ImportOptions o;
  o.inputShapes["x"] = ir::Shape({8, 784});
  EXPECT_NE(importText(b, "dynamic_given", o).find("input %x : f32[8,784]"), std::string::npos);
  o.inputShapes["x"] = ir::Shape({8, 785});
  EXPECT_EQ(importError(b, "dynamic_bad", o),
            "--shape x=8x785: dimension 1 of input 'x' is fixed to 784 by the model");
  o.inputShapes = {{"nope", ir::Shape({1})}, {"x", ir::Shape({1, 784})}};
  EXPECT_EQ(importError(b, "dynamic_unknown", o), "--shape nope: the model has no input 'nope'");
}

TEST(OnnxImporter, UnsupportedOperatorNamesNodeTypeOpsetAndTheSupportedList) {
  OnnxModelBuilder b(15);
  b.input("x", {2});
  b.node("Acos", {"x"}, {"y"}, "angle");
  b.output("y");
  std::string path = b.write("unsupported");
  try {
    importOnnxFile(path);
    FAIL() << "no error";
  } catch (const ir::Unsupported& e) {
    EXPECT_EQ(std::string(e.what()),
              "node 'angle' (Acos, opset 15): unsupported operator; supported: Add, Concat, Constant, Div, Exp, "
              "Flatten, Gemm, Identity, MatMul, Mul, Neg, ReduceMean, ReduceSum, Relu, Reshape, Sigmoid, Softmax, "
              "Sqrt, Sub, Tanh, Transpose");
  }
}

TEST(OnnxImporter, RejectsComputedShapesAndBadFiles) {
  OnnxModelBuilder b(14);
  b.input("x", {2, 3}).input("s", {2}, onnx::TensorProto::INT64);
  b.node("Reshape", {"x", "s"}, {"y"}, "r");
  b.output("y");
  EXPECT_EQ(importError(b, "computed_shape"),
            "node 'r' (Reshape, opset 14): unsupported attribute shape=<computed at run time>");

  std::string path = (std::filesystem::path(::testing::TempDir()) / "shardc_not_onnx.onnx").string();
  std::ofstream(path) << "definitely not a protobuf \xff\xff";
  EXPECT_THROW(importOnnxFile(path), ir::Error);
  EXPECT_THROW(importOnnxFile("/nonexistent.onnx"), ir::Error);
}

TEST(OnnxImporter, WriterAndImporterRoundTrip) {
  ir::Graph g;
  ir::ValueId x = g.addInput("x", {ir::DType::f32, {2, 3}});
  ir::ValueId w = g.addParam("w", f32({3, 4}, std::vector<double>(12, 0.25)));
  ir::ValueId m = g.addOp1(ir::OpKind::MatMul, {x, w}, "m", {}, "mm");
  ir::Attributes axes;
  axes.set("axes", std::vector<int64_t>{1});
  axes.set("keepdims", int64_t{0});
  ir::ValueId r = g.addOp1(ir::OpKind::ReduceSum, {m}, "r", axes, "sum");
  ir::Attributes shape;
  shape.set("shape", std::vector<int64_t>{1, 2});
  ir::ValueId s = g.addOp1(ir::OpKind::Reshape, {r}, "s", shape, "rs");
  g.value(m).type = {ir::DType::f32, {2, 4}};
  g.value(r).type = {ir::DType::f32, {2}};
  g.value(s).type = {ir::DType::f32, {1, 2}};
  g.setOutputs({s});
  std::string path = (std::filesystem::path(::testing::TempDir()) / "shardc_roundtrip.onnx").string();
  writeOnnxModel(g, path);
  ir::Graph back = importOnnxFile(path);
  ir::PrintOptions all;
  all.elideAbove = -1;
  EXPECT_EQ(ir::printGraph(back, all), R"(graph @main {
  input %x : f32[2,3]
  param %w : f32[3,4] = 0x0000803e0000803e0000803e0000803e0000803e0000803e0000803e0000803e0000803e0000803e0000803e0000803e
  param %r.axes : i64[1] = 0x0100000000000000
  param %s.shape : i64[2] = 0x01000000000000000200000000000000
  %m = MatMul(%x, %w) loc("mm") : f32[2,4]
  %r = ReduceSum(%m) {axes = [1], keepdims = 0} loc("sum") : f32[2]
  %s = Reshape(%r) {shape = [1, 2]} loc("rs") : f32[1,2]
  output %s
}
)");
}

}  // namespace
}  // namespace shardc::frontend
