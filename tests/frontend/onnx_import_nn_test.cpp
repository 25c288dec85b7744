// Importing the CNN and transformer operators: auto_pad resolved to pads, Split into slices, shape arithmetic
// folded into a static Reshape, formulas (LayerNormalization, BatchNormalization) checked as numbers through the
// interpreter, and the refusals (an auto_pad mode, training-mode dropout) as one line naming node and attribute.
#include <cmath>

#include <gtest/gtest.h>

#include "frontend/onnx_importer.h"
#include "frontend/onnx_importer_proto.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/printer.h"
#include "onnx_model_builder.h"

namespace shardc::frontend {
namespace {
using testing::OnnxModelBuilder;

ir::Graph import(OnnxModelBuilder& b) { return importOnnx(b.model(), "test.onnx", {}); }
std::string text(const ir::Graph& g) {
  ir::PrintOptions all;
  all.elideAbove = -1;
  return ir::printGraph(g, all);
}
std::string importError(OnnxModelBuilder& b, bool* unsupported = nullptr) {
  try {
    import(b);
  } catch (const ir::Unsupported& e) {
    if (unsupported) *unsupported = true;
    return e.what();
  } catch (const ir::Error& e) {
    if (unsupported) *unsupported = false;
    return e.what();
  }
  return "";
}
ir::Tensor ints(std::vector<int64_t> v) {
  return ir::Tensor::fromInts(ir::DType::i64, ir::Shape({int64_t(v.size())}), v);
}
ir::Tensor f32(ir::Shape s, std::vector<double> v) { return ir::Tensor::fromDoubles(ir::DType::f32, std::move(s), v); }

void convWithAutoPad(OnnxModelBuilder& b, const std::string& mode) {
  b.input("x", {1, 1, 5, 5});
  b.initializer("w", f32(ir::Shape({1, 1, 2, 2}), {1, 1, 1, 1}));
  auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
  auto* a = n.add_attribute();
  a->set_name("auto_pad");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(mode);
  OnnxModelBuilder::intsAttr(n, "strides", {2, 2});
  b.output("y");
}

TEST(OnnxImportNn, SamePaddingPutsTheOddPadAtTheEndOrTheBeginning) {
  // Output ceil(5 / 2) = 3 needs (3 - 1) * 2 + 2 - 5 = 1 padding per dim.
  OnnxModelBuilder upper(11), lower(11);
  convWithAutoPad(upper, "SAME_UPPER");
  convWithAutoPad(lower, "SAME_LOWER");
  EXPECT_NE(text(import(upper)).find("Conv(%x, %w) {dilations = [1, 1], group = 1, pads = [0, 0, 1, 1], strides = [2, 2]} loc(\"conv\") : f32[1,1,3,3]"),
            std::string::npos) << text(import(upper));
  EXPECT_NE(text(import(lower)).find("pads = [1, 1, 0, 0]"), std::string::npos) << text(import(lower));
}

TEST(OnnxImportNn, AnUnknownAutoPadModeIsUnsupportedNamingTheNode) {
  OnnxModelBuilder b(11);
  convWithAutoPad(b, "SAME_MIDDLE");
  bool unsupported = false;
  EXPECT_EQ(importError(b, &unsupported), "node 'conv' (Conv, opset 11): unsupported attribute auto_pad=SAME_MIDDLE");
  EXPECT_TRUE(unsupported);
}

TEST(OnnxImportNn, SplitBecomesOneSlicePerOutput) {
  OnnxModelBuilder b(13);
  b.input("x", {2, 6});
  b.initializer("parts", ints({1, 2, 3}));
  auto& n = b.node("Split", {"x", "parts"}, {"a", "b", "c"}, "split");
  OnnxModelBuilder::intAttr(n, "axis", 1);
  b.output("a").output("b").output("c");
  std::string t = text(import(b));
  EXPECT_NE(t.find("%b = Slice(%x) {ends = [2, 3], starts = [0, 1], steps = [1, 1]} loc(\"split\") : f32[2,2]"), std::string::npos) << t;
  EXPECT_NE(t.find("%c = Slice(%x) {ends = [2, 6], starts = [0, 3], steps = [1, 1]} loc(\"split\") : f32[2,3]"), std::string::npos) << t;
}

// What exporters write for x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat, Reshape.
TEST(OnnxImportNn, ShapeArithmeticFoldsIntoAStaticReshape) {
  OnnxModelBuilder b(13);
  b.input("x", {3, 4, 5});
  b.initializer("zero", ir::Tensor::fromInts(ir::DType::i64, ir::Shape{}, {0}));
  b.initializer("axes0", ints({0}));
  b.initializer("minus1", ints({-1}));
  b.node("Shape", {"x"}, {"s"});
  auto& g = b.node("Gather", {"s", "zero"}, {"n"});
  OnnxModelBuilder::intAttr(g, "axis", 0);
  b.node("Unsqueeze", {"n", "axes0"}, {"n1"});
  auto& cat = b.node("Concat", {"n1", "minus1"}, {"shape"});
  OnnxModelBuilder::intAttr(cat, "axis", 0);
  b.node("Reshape", {"x", "shape"}, {"y"}, "view");
  b.output("y");
  std::string t = text(import(b));
  EXPECT_NE(t.find("%y = Reshape(%x) {shape = [3, 20]} loc(\"view\") : f32[3,20]"), std::string::npos) << t;
}

TEST(OnnxImportNn, LayerNormalizationNormalisesTheLastAxes) {
  OnnxModelBuilder b(17);
  b.input("x", {2, 2});
  b.initializer("g", f32(ir::Shape({2}), {2, 1}));
  b.initializer("b", f32(ir::Shape({2}), {0, 10}));
  b.node("LayerNormalization", {"x", "g", "b"}, {"y"}, "ln");
  b.output("y");
  ir::Graph gr = import(b);
  auto y = ir::interpret(gr, {f32(ir::Shape({2, 2}), {1, 3, 5, 5})})[0];
  // Row 0: mean 2, variance 1: (-1, 1) scaled (2, 1) shifted (0, 10). Row 1: all equal: 0 / sqrt(eps).
  double s = 1.0 / std::sqrt(1.0 + 1e-5);
  EXPECT_NEAR(y.elementAsDouble(0), -2 * s, 1e-6);
  EXPECT_NEAR(y.elementAsDouble(1), 10 + s, 1e-6);
  EXPECT_NEAR(y.elementAsDouble(2), 0, 1e-6);
  EXPECT_NEAR(y.elementAsDouble(3), 10, 1e-6);
}

TEST(OnnxImportNn, BatchNormalizationUsesTheRunningStatisticsPerChannel) {
  OnnxModelBuilder b(15);
  b.input("x", {1, 2, 1, 2});
  b.initializer("scale", f32(ir::Shape({2}), {1, 2}));
  b.initializer("bias", f32(ir::Shape({2}), {0, 1}));
  b.initializer("mean", f32(ir::Shape({2}), {1, -1}));
  b.initializer("var", f32(ir::Shape({2}), {4, 1}));
  auto& n = b.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn");
  OnnxModelBuilder::floatAttr(n, "epsilon", 0.0f);
  b.output("y");
  auto y = ir::interpret(import(b), {f32(ir::Shape({1, 2, 1, 2}), {3, 5, 0, 1})})[0];
  EXPECT_EQ(y.elementAsDouble(0), 1);    // (3 - 1) / 2
  EXPECT_EQ(y.elementAsDouble(1), 2);    // (5 - 1) / 2
  EXPECT_EQ(y.elementAsDouble(2), 3);    // 2 * (0 + 1) / 1 + 1
  EXPECT_EQ(y.elementAsDouble(3), 5);
}

TEST(OnnxImportNn, TrainingModeDropoutAndBatchNormAreRefused) {
  OnnxModelBuilder d(13);
  d.input("x", {2});
  d.initializer("ratio", f32(ir::Shape{}, {0.5}));
  d.initializer("train", ir::Tensor::fromInts(ir::DType::boolean, ir::Shape{}, {1}));
  d.node("Dropout", {"x", "ratio", "train"}, {"y"}, "drop");
  d.output("y");
  EXPECT_EQ(importError(d), "node 'drop' (Dropout, opset 13): unsupported attribute training_mode=true (shardc compiles inference)");
  OnnxModelBuilder m(9);
  m.input("x", {1, 1, 2});
  for (const char* p : {"s", "b", "m", "v"}) m.initializer(p, f32(ir::Shape({1}), {1}));
  m.node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y", "mean_out", "var_out"}, "bn");
  m.output("y");
  EXPECT_EQ(importError(m), "node 'bn' (BatchNormalization, opset 9): output 'mean_out' is not supported (only 1 of its 3 outputs are)");
}

}  // namespace
}  // namespace shardc::frontend
