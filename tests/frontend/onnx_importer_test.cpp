// The ONNX importer: each operator at each opset where its ONNX definition changed, normalised to the ir's fixed
// semantics (checked as ir text and, through the reference interpreter, as numbers), and each rejected input.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <unistd.h>

#include "frontend/onnx_importer.h"
#include "frontend/onnx_importer_proto.h"
#include "frontend/onnx_tensor_file.h"
#include "ir/error.h"
#include "ir/interpreter/interpreter.h"
#include "ir/printer.h"
#include "onnx_model_builder.h"

namespace shardc::frontend {
namespace {
namespace fs = std::filesystem;
using testing::OnnxModelBuilder;

ir::Tensor f32(ir::Shape s, std::vector<double> v) { return ir::Tensor::fromDoubles(ir::DType::f32, std::move(s), v); }
ir::Tensor i64(ir::Shape s, std::vector<int64_t> v) { return ir::Tensor::fromInts(ir::DType::i64, std::move(s), v); }

// 0, 1, 2, ... scaled, as f32.
ir::Tensor ramp(ir::Shape s, double scale = 1.0, double offset = 0.0) {
  std::vector<double> v(static_cast<size_t>(s.numElements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = offset + scale * static_cast<double>(i);
  return f32(std::move(s), v);
}

std::vector<double> values(const ir::Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numElements(); ++i) v.push_back(t.elementAsDouble(i));
  return v;
}

void expectNear(const ir::Tensor& got, const ir::Shape& shape, const std::vector<double>& want, double tol = 1e-6) {
  EXPECT_EQ(got.shape().str(), shape.str());
  ASSERT_EQ(got.numElements(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got.elementAsDouble(static_cast<int64_t>(i)), want[i], tol + tol * std::fabs(want[i])) << "element " << i;
}

ir::Graph import(OnnxModelBuilder& b, const ImportOptions& o = {}) { return importOnnx(b.model(), "test.onnx", o); }

std::string text(const ir::Graph& g) {
  ir::PrintOptions all;
  all.elideAbove = -1;
  return ir::printGraph(g, all);
}

std::string importText(OnnxModelBuilder& b, const ImportOptions& o = {}) { return text(import(b, o)); }

// The message of the ir::Error that f throws ("" when it throws none); `unsupported` says whether it was the
// ir::Unsupported kind.
std::string errorOf(const std::function<void()>& f, bool* unsupported = nullptr) {
  try {
    f();
  } catch (const ir::Unsupported& e) {
    if (unsupported) *unsupported = true;
    return e.what();
  } catch (const ir::Error& e) {
    if (unsupported) *unsupported = false;
    return e.what();
  }
  return "";
}

std::string importError(OnnxModelBuilder& b, const ImportOptions& o = {}, bool* unsupported = nullptr) {
  return errorOf([&] { import(b, o); }, unsupported);
}

// A one-node model: input x of `shape`, node `op` at `opset`, output y.
struct OneNode {
  OnnxModelBuilder b;
  onnx::NodeProto* node;
  OneNode(int64_t opset, const std::string& op, std::vector<int64_t> shape, std::vector<std::string> extraInputs = {})
      : b(opset) {
    b.input("x", std::move(shape));
    std::vector<std::string> ins{"x"};
    ins.insert(ins.end(), extraInputs.begin(), extraInputs.end());
    node = &b.node(op, ins, {"y"}, "n");
    b.output("y");
  }
  ir::Tensor run(const ir::Tensor& x, const ImportOptions& o = {}) { return ir::interpret(import(b, o), {x}).at(0); }
};

// Where the conformance data is (a compile definition); tests that need it skip without it.
std::string conformanceDir() {
#ifdef SHARDC_CONFORMANCE_DIR
  std::string dir = SHARDC_CONFORMANCE_DIR;
#else
  std::string dir;
#endif
  std::error_code ec;
  return !dir.empty() && fs::is_directory(dir, ec) ? dir : "";
}

std::string tempPath(const std::string& name) {
  return (fs::path(::testing::TempDir()) / ("shardc_importer_" + name + "_" + std::to_string(::getpid()))).string();
}

void writeBytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// ---------------------------------------------------------------------------------------------------------------
// Graph structure: inputs, parameters, names.

TEST(OnnxImporter, InitializersBecomeParamsNamedAsInTheModel) {
  OnnxModelBuilder b(17);
  b.input("x", {2, 3}).initializer("layer1.weight", f32({3, 2}, {1, 2, 3, 4, 5, 6}));
  b.node("MatMul", {"x", "layer1.weight"}, {"y"}, "fc");
  b.output("y");
  EXPECT_EQ(importText(b), R"(graph @test {
  input %x : f32[2,3]
  param %layer1.weight : f32[3,2] = 0x0000803f0000004000004040000080400000a0400000c040
  %y = MatMul(%x, %layer1.weight) loc("fc") : f32[2,2]
  output %y
}
)");
}

// IR version 3 lists every initializer among the graph inputs too; they stay parameters.
TEST(OnnxImporter, InitializerListedAsAnInputIsAParam) {
  OnnxModelBuilder b(7);
  b.model().set_ir_version(3);
  b.input("x", {2}).input("w", {2}).initializer("w", f32({2}, {1, 2}));
  b.node("Add", {"x", "w"}, {"y"});
  b.output("y");
  ir::Graph g = import(b);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).name, "x");
  ASSERT_EQ(g.params().size(), 1u);
  EXPECT_EQ(g.value(g.params()[0]).name, "w");
  expectNear(ir::interpret(g, {f32({2}, {10, 20})})[0], ir::Shape({2}), {11, 22});

  ImportOptions o;
  o.inputShapes["w"] = ir::Shape({2});
  EXPECT_EQ(importError(b, o), "--shape w=2: 'w' is an initializer (a parameter) of the model, not an input");
}

TEST(OnnxImporter, IntermediateAndOutputNamesAreTheModels) {
  OnnxModelBuilder b(13);
  b.input("input", {2});
  b.node("Relu", {"input"}, {"/layer/Relu_output_0"}, "/layer/Relu");
  b.node("Neg", {"/layer/Relu_output_0"}, {"logits"}, "/head/Neg");
  b.output("logits");
  ir::Graph g = import(b);
  ASSERT_EQ(g.ops().size(), 2u);
  EXPECT_EQ(g.ops()[0].name, "/layer/Relu");
  EXPECT_EQ(g.value(g.ops()[0].results[0]).name, "/layer/Relu_output_0");
  EXPECT_EQ(g.value(g.outputs()[0]).name, "logits");
}

TEST(OnnxImporter, UnusedInitializersAreDropped) {
  OnnxModelBuilder b(13);
  b.input("x", {2}).initializer("unused", f32({1}, {5}));
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  EXPECT_TRUE(import(b).params().empty());
}

TEST(OnnxImporter, InputElementTypes) {
  const std::pair<int32_t, ir::DType> types[] = {
      {onnx::TensorProto::FLOAT, ir::DType::f32},     {onnx::TensorProto::DOUBLE, ir::DType::f64},
      {onnx::TensorProto::FLOAT16, ir::DType::f16},   {onnx::TensorProto::BFLOAT16, ir::DType::bf16},
      {onnx::TensorProto::INT8, ir::DType::i8},       {onnx::TensorProto::INT16, ir::DType::i16},
      {onnx::TensorProto::INT32, ir::DType::i32},     {onnx::TensorProto::INT64, ir::DType::i64},
      {onnx::TensorProto::UINT8, ir::DType::u8},      {onnx::TensorProto::UINT16, ir::DType::u16},
      {onnx::TensorProto::UINT32, ir::DType::u32},    {onnx::TensorProto::UINT64, ir::DType::u64},
      {onnx::TensorProto::BOOL, ir::DType::boolean},
  };
  for (auto [onnxType, dtype] : types) {
    OnnxModelBuilder b(13);
    b.input("x", {3}, onnxType);
    b.node("Identity", {"x"}, {"y"});
    b.output("y");
    ir::Graph g = import(b);
    EXPECT_EQ(g.value(g.inputs()[0]).type.dtype, dtype) << ir::dtypeName(dtype);
    EXPECT_EQ(g.value(g.outputs()[0]).type.dtype, dtype) << ir::dtypeName(dtype);
  }
  for (auto [onnxType, name] : std::vector<std::pair<int32_t, std::string>>{
           {onnx::TensorProto::STRING, "STRING"}, {onnx::TensorProto::COMPLEX64, "COMPLEX64"}, {17, "FLOAT8E4M3FN"},
           {22, "INT4"}, {99, "99"}}) {
    OnnxModelBuilder b(13);
    b.input("x", {3}, onnxType);
    b.node("Identity", {"x"}, {"y"});
    b.output("y");
    bool unsupported = false;
    EXPECT_EQ(importError(b, {}, &unsupported), "input 'x': element type " + name + " is not supported");
    EXPECT_TRUE(unsupported) << name;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Elementwise operators.

TEST(OnnxImporter, UnaryOperatorsAtEveryOpset) {
  const std::vector<std::pair<std::string, std::function<double(double)>>> ops = {
      {"Relu", [](double v) { return v > 0 ? v : 0; }},
      {"Sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }},
      {"Tanh", [](double v) { return std::tanh(v); }},
      {"Exp", [](double v) { return std::exp(v); }},
      {"Sqrt", [](double v) { return std::sqrt(v); }},
      {"Neg", [](double v) { return -v; }},
      {"Identity", [](double v) { return v; }},
  };
  ir::Tensor x = f32({2, 3}, {0.25, 1, 2.5, 4, 0.5, 9});
  for (int64_t opset : {6, 13, 14, 23})
    for (const auto& [op, f] : ops) {
      OneNode m(opset, op, {2, 3});
      ir::Graph g = import(m.b);
      ASSERT_EQ(g.ops().size(), 1u);
      EXPECT_EQ(ir::opKindName(g.ops()[0].kind), op);
      std::vector<double> want;
      for (double v : values(x)) want.push_back(f(v));
      SCOPED_TRACE(op + " opset " + std::to_string(opset));
      expectNear(ir::interpret(g, {x})[0], ir::Shape({2, 3}), want);
    }
}

TEST(OnnxImporter, BinaryOperatorsBroadcastLikeNumpyFromOpset7) {
  const std::vector<std::pair<std::string, std::function<double(double, double)>>> ops = {
      {"Add", [](double a, double b) { return a + b; }},
      {"Sub", [](double a, double b) { return a - b; }},
      {"Mul", [](double a, double b) { return a * b; }},
      {"Div", [](double a, double b) { return a / b; }},
  };
  ir::Tensor a = ramp({2, 1, 3}, 1.0, 1.0), b = f32({4, 1}, {1, 2, 4, 8});
  for (int64_t opset : {7, 13, 14})
    for (const auto& [op, f] : ops) {
      OnnxModelBuilder m(opset);
      m.input("a", {2, 1, 3}).input("b", {4, 1});
      m.node(op, {"a", "b"}, {"c"});
      m.output("c");
      ir::Graph g = import(m);
      std::vector<double> want;
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j)
          for (int k = 0; k < 3; ++k) want.push_back(f(a.elementAsDouble(i * 3 + k), b.elementAsDouble(j)));
      SCOPED_TRACE(op + " opset " + std::to_string(opset));
      expectNear(ir::interpret(g, {a, b})[0], ir::Shape({2, 4, 3}), want);
    }
}

// Before opset 7, broadcast=1 with `axis` lines B up with A's dims from that axis: a Reshape of B to trailing 1s.
TEST(OnnxImporter, LegacyBroadcastWithAxisBefore7) {
  OnnxModelBuilder b(6);
  b.input("x", {2, 3, 4}).input("y", {3});
  auto& n = b.node("Add", {"x", "y"}, {"z"}, "add");
  OnnxModelBuilder::intAttr(n, "broadcast", 1);
  OnnxModelBuilder::intAttr(n, "axis", 1);
  b.output("z");
  ir::Graph g = import(b);
  EXPECT_EQ(text(g), R"(graph @test {
  input %x : f32[2,3,4]
  input %y : f32[3]
  %z.Reshape = Reshape(%y) {shape = [3, 1]} loc("add") : f32[3,1]
  %z = Add(%x, %z.Reshape) loc("add") : f32[2,3,4]
  output %z
}
)");
  ir::Tensor out = ir::interpret(g, {f32({2, 3, 4}, std::vector<double>(24, 0.0)), f32({3}, {1, 2, 3})})[0];
  EXPECT_EQ(out.data<float>()[0], 1.0f);
  EXPECT_EQ(out.data<float>()[4], 2.0f);   // [0,1,0] gets y[1]
  EXPECT_EQ(out.data<float>()[23], 3.0f);  // [1,2,3] gets y[2]
}

TEST(OnnxImporter, LegacyBroadcastWithoutAxisIsNumpyAndAMisfitIsRefused) {
  OnnxModelBuilder b(6);
  b.input("x", {2, 3}).input("y", {3});
  OnnxModelBuilder::intAttr(b.node("Mul", {"x", "y"}, {"z"}, "mul"), "broadcast", 1);
  b.output("z");
  expectNear(ir::interpret(import(b), {ramp({2, 3}), f32({3}, {1, 10, 100})})[0], ir::Shape({2, 3}),
             {0, 10, 200, 3, 40, 500});

  OnnxModelBuilder bad(6);
  bad.input("x", {2, 3}).input("y", {3, 4});
  auto& n = bad.node("Sub", {"x", "y"}, {"z"}, "sub");
  OnnxModelBuilder::intAttr(n, "broadcast", 1);
  OnnxModelBuilder::intAttr(n, "axis", 1);
  bad.output("z");
  bool unsupported = false;
  EXPECT_EQ(importError(bad, {}, &unsupported),
            "node 'sub' (Sub, opset 6): unsupported attribute axis=1 (B [3,4] does not fit in A [2,3] from that "
            "axis)");
  EXPECT_TRUE(unsupported);
}

// ---------------------------------------------------------------------------------------------------------------
// Linear algebra.

TEST(OnnxImporter, MatMulBatchesBroadcast) {
  for (int64_t opset : {6, 9, 13}) {
    OnnxModelBuilder b(opset);
    b.input("a", {2, 3, 4}).input("b", {4, 5});
    b.node("MatMul", {"a", "b"}, {"c"});
    b.output("c");
    ir::Graph g = import(b);
    EXPECT_EQ(g.value(g.outputs()[0]).type.str(), "f32[2,3,5]");
    ir::Tensor out = ir::interpret(g, {ramp({2, 3, 4}), ramp({4, 5})})[0];
    // c[1,2,4] = sum_k a[1,2,k] * b[k,4] = sum_k (20+k) * (5k+4)
    double want = 0;
    for (int k = 0; k < 4; ++k) want += (20 + k) * (5 * k + 4);
    EXPECT_DOUBLE_EQ(out.elementAsDouble(29), want);
  }
}

TEST(OnnxImporter, GemmAttributesAndOptionalC) {
  OnnxModelBuilder b(13);
  b.input("a", {2, 3}).input("w", {4, 3}).initializer("c", f32({4}, {1, 2, 3, 4}));
  auto& n = b.node("Gemm", {"a", "w", "c"}, {"y"}, "g");
  OnnxModelBuilder::intAttr(n, "transB", 1);
  OnnxModelBuilder::floatAttr(n, "alpha", 0.5f);
  OnnxModelBuilder::floatAttr(n, "beta", 2.0f);
  b.output("y");
  ir::Graph g = import(b);
  EXPECT_NE(text(g).find("%y = Gemm(%a, %w, %c) {alpha = 0.5, beta = 2.0, transA = 0, transB = 1} loc(\"g\") : "
                         "f32[2,4]"),
            std::string::npos)
      << text(g);
  ir::Tensor a = ramp({2, 3}), w = ramp({4, 3}, 1.0, 1.0);
  std::vector<double> want;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += a.elementAsDouble(i * 3 + k) * w.elementAsDouble(j * 3 + k);
      want.push_back(0.5 * s + 2.0 * (j + 1));
    }
  expectNear(ir::interpret(g, {a, w})[0], ir::Shape({2, 4}), want);

  // From opset 11 C may be left out; transA.
  OnnxModelBuilder noC(11);
  noC.input("a", {3, 2}).input("b", {3, 2});
  OnnxModelBuilder::intAttr(noC.node("Gemm", {"a", "b"}, {"y"}, "g"), "transA", 1);
  noC.output("y");
  ir::Graph g2 = import(noC);
  EXPECT_EQ(g2.ops()[0].operands.size(), 2u);
  EXPECT_EQ(g2.value(g2.outputs()[0]).type.str(), "f32[2,2]");
  // a^T b with a = b = [[0,1],[2,3],[4,5]]: [[0+4+16, 0+6+20], [.., 1+9+25]]
  expectNear(ir::interpret(g2, {ramp({3, 2}), ramp({3, 2})})[0], ir::Shape({2, 2}), {20, 26, 26, 35});
}

// Opset 6's `broadcast` attribute on Gemm only allowed what numpy broadcasting of C allows.
TEST(OnnxImporter, GemmOpset6BroadcastAttributeIsAccepted) {
  OnnxModelBuilder b(6);
  b.input("a", {2, 2}).input("b", {2, 2}).input("c", {2});
  OnnxModelBuilder::intAttr(b.node("Gemm", {"a", "b", "c"}, {"y"}, "g"), "broadcast", 1);
  b.output("y");
  expectNear(ir::interpret(import(b), {ramp({2, 2}), f32({2, 2}, {1, 0, 0, 1}), f32({2}, {10, 20})})[0],
             ir::Shape({2, 2}), {10, 21, 12, 23});
}

// ---------------------------------------------------------------------------------------------------------------
// Data movement.

TEST(OnnxImporter, FlattenAxisIsNormalisedNonNegative) {
  for (auto [opset, axis, normalised, shape] : std::vector<std::tuple<int64_t, int64_t, int64_t, std::string>>{
           {11, -2, 1, "[2,12]"}, {13, -3, 0, "[1,24]"}, {13, 3, 3, "[24,1]"}, {9, 0, 0, "[1,24]"}, {21, 2, 2, "[6,4]"}}) {
    OneNode m(opset, "Flatten", {2, 3, 4});
    OnnxModelBuilder::intAttr(*m.node, "axis", axis);
    ir::Graph g = import(m.b);
    EXPECT_EQ(g.ops()[0].attrs.getInt("axis", -99), normalised) << axis;
    EXPECT_EQ(g.value(g.outputs()[0]).type.shape.str(), shape) << axis;
  }
  OneNode dflt(13, "Flatten", {2, 3, 4});
  EXPECT_NE(importText(dflt.b).find("%y = Flatten(%x) {axis = 1} loc(\"n\") : f32[2,12]"), std::string::npos);
  OneNode bad(13, "Flatten", {2, 3});
  OnnxModelBuilder::intAttr(*bad.node, "axis", -3);
  EXPECT_EQ(importError(bad.b), "node 'n' (Flatten, opset 13): axis -3 is out of range for rank 2");
}

TEST(OnnxImporter, ReshapeResolvesZeroAndMinusOne) {
  OneNode m(14, "Reshape", {2, 3, 4}, {"s"});
  m.b.initializer("s", i64({3}, {0, -1, 2}));
  ir::Graph g = import(m.b);
  EXPECT_EQ(text(g), R"(graph @test {
  input %x : f32[2,3,4]
  %y = Reshape(%x) {shape = [2, 6, 2]} loc("n") : f32[2,6,2]
  output %y
}
)");
  expectNear(ir::interpret(g, {ramp({2, 3, 4})})[0], ir::Shape({2, 6, 2}), values(ramp({24})));

  for (int64_t opset : {5, 13}) {  // before allowzero existed, and without it: 0 copies the input's dim
    OneNode z(opset, "Reshape", {2, 3, 4}, {"s"});
    z.b.initializer("s", i64({2}, {0, -1}));
    EXPECT_EQ(import(z.b).ops()[0].attrs.getInts("shape"), (std::vector<int64_t>{2, 12})) << opset;
  }
}

TEST(OnnxImporter, ReshapeAllowZeroFrom14) {
  OneNode m(14, "Reshape", {0, 3}, {"s"});
  m.b.initializer("s", i64({2}, {3, 0}));
  OnnxModelBuilder::intAttr(*m.node, "allowzero", 1);
  EXPECT_NE(importText(m.b).find("%y = Reshape(%x) {shape = [3, 0]} loc(\"n\") : f32[3,0]"), std::string::npos);

  // allowzero=0: a 0 copies the input's dim at its position.
  OneNode copy(14, "Reshape", {3, 4}, {"s"});
  copy.b.initializer("s", i64({2}, {-1, 0}));
  OnnxModelBuilder::intAttr(*copy.node, "allowzero", 0);
  EXPECT_EQ(import(copy.b).ops()[0].attrs.getInts("shape"), (std::vector<int64_t>{3, 4}));
  // allowzero=1 with both -1 and 0 is invalid ONNX.
  OnnxModelBuilder::intAttr(*copy.node, "allowzero", 1);
  copy.node->mutable_attribute()->DeleteSubrange(0, 1);
  EXPECT_EQ(importError(copy.b), "node 'n' (Reshape, opset 14): shape [-1,0] has both -1 and 0 with allowzero=1");
  // Before opset 14 allowzero is not an attribute of Reshape: a 0 copies.
  OneNode old(13, "Reshape", {3, 4}, {"s"});
  old.b.initializer("s", i64({2}, {-1, 0}));
  OnnxModelBuilder::intAttr(*old.node, "allowzero", 1);
  EXPECT_EQ(import(old.b).ops()[0].attrs.getInts("shape"), (std::vector<int64_t>{3, 4}));
}

TEST(OnnxImporter, ReshapeBefore5TakesAnAttribute) {
  OneNode m(4, "Reshape", {2, 3});
  OnnxModelBuilder::intsAttr(*m.node, "shape", {3, -1});
  EXPECT_EQ(import(m.b).ops()[0].attrs.getInts("shape"), (std::vector<int64_t>{3, 2}));
}

TEST(OnnxImporter, ReshapeShapeMustBeKnownAtCompileTime) {
  OnnxModelBuilder b(14);
  b.input("x", {2, 3}).input("s", {2}, onnx::TensorProto::INT64);
  b.node("Reshape", {"x", "s"}, {"y"}, "r");
  b.output("y");
  bool unsupported = false;
  EXPECT_EQ(importError(b, {}, &unsupported),
            "node 'r' (Reshape, opset 14): unsupported attribute shape=<computed at run time>");
  EXPECT_TRUE(unsupported);
  // ... unless the caller gives the input's value (as ONNX's test data does); the input stays an input.
  ImportOptions o;
  o.inputValues["s"] = i64({2}, {3, -1});
  ir::Graph g = import(b, o);
  EXPECT_EQ(g.inputs().size(), 2u);
  EXPECT_EQ(g.ops()[0].attrs.getInts("shape"), (std::vector<int64_t>{3, 2}));
  o.inputValues["s"] = i64({3}, {3, -1, 1});
  EXPECT_EQ(importError(b, o), "node 'r' (Reshape, opset 14): the value given for input 's' is i64[3], the input is i64[2]");
}

// Shapes assembled from Constant pieces with Concat (as exporters and ONNX's function expansions do).
TEST(OnnxImporter, ReshapeShapeFromAConcatOfConstants) {
  OnnxModelBuilder b(23);
  b.input("x", {2, 3, 4});
  OnnxModelBuilder::intsAttr(b.node("Constant", {}, {"zero"}), "value_ints", {0});
  OnnxModelBuilder::intsAttr(b.node("Constant", {}, {"rest"}), "value_ints", {2, -1});
  OnnxModelBuilder::intAttr(b.node("Concat", {"zero", "rest"}, {"shape"}), "axis", 0);
  b.node("Identity", {"shape"}, {"shape2"});
  b.node("Reshape", {"x", "shape2"}, {"y"}, "r");
  b.output("y");
  ir::Graph g = import(b);
  EXPECT_EQ(g.value(g.outputs()[0]).type.str(), "f32[2,2,6]");
}

TEST(OnnxImporter, ReshapeErrors) {
  auto reshapeError = [](std::vector<int64_t> in, std::vector<int64_t> shape, const ImportOptions& o = {}) {
    OneNode m(14, "Reshape", std::move(in), {"s"});
    m.b.initializer("s", i64({static_cast<int64_t>(shape.size())}, shape));
    return importError(m.b, o);
  };
  EXPECT_EQ(reshapeError({2, 3}, {-1, -1}), "node 'n' (Reshape, opset 14): shape [-1,-1] has more than one -1");
  EXPECT_EQ(reshapeError({2, 3}, {4, -1}), "node 'n' (Reshape, opset 14): cannot reshape [2,3] to [4,-1]");
  EXPECT_EQ(reshapeError({2, 3}, {0, 0, 0}),
            "node 'n' (Reshape, opset 14): shape [0,0,0] copies dimension 2 (a 0) that the input [2,3] does not have");
  EXPECT_EQ(reshapeError({2, 3}, {-2, 3}), "node 'n' (Reshape, opset 14): shape [-2,3] has the invalid entry -2");
  EXPECT_EQ(reshapeError({2, 3}, {5}),
            "node 'n' (Reshape, opset 14): cannot reshape [2,3] (6 elements) to [5] (5 elements)");
  // A dynamic dim (kept for inspection) cannot be copied or inferred.
  OneNode dyn(14, "Reshape", {0, 3}, {"s"});
  dyn.b.model().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("N");
  dyn.b.initializer("s", i64({2}, {-1, 1}));
  ImportOptions keep;
  keep.allowDynamic = true;
  EXPECT_EQ(importError(dyn.b, keep),
            "node 'n' (Reshape, opset 14): needs a static shape for 'x', which has [N,3]; give the inputs' shapes "
            "with --shape");
}

TEST(OnnxImporter, TransposeDefaultPermReverses) {
  OneNode m(13, "Transpose", {2, 3, 4});
  ir::Graph g = import(m.b);
  EXPECT_EQ(g.ops()[0].attrs.getInts("perm"), (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(g.value(g.outputs()[0]).type.str(), "f32[4,3,2]");
  OneNode p(21, "Transpose", {2, 3});
  OnnxModelBuilder::intsAttr(*p.node, "perm", {1, 0});
  expectNear(p.run(ramp({2, 3})), ir::Shape({3, 2}), {0, 3, 1, 4, 2, 5});
}

// ---------------------------------------------------------------------------------------------------------------
// Softmax: opset < 13 coerces the input to 2-D at `axis` (default 1); from 13 it is one axis (default -1).

std::vector<double> softmaxRows(const std::vector<double>& x, size_t rowLength) {
  std::vector<double> out(x.size());
  for (size_t r = 0; r < x.size() / rowLength; ++r) {
    double mx = -INFINITY, sum = 0;
    for (size_t i = 0; i < rowLength; ++i) mx = std::max(mx, x[r * rowLength + i]);
    for (size_t i = 0; i < rowLength; ++i) sum += std::exp(x[r * rowLength + i] - mx);
    for (size_t i = 0; i < rowLength; ++i) out[r * rowLength + i] = std::exp(x[r * rowLength + i] - mx) / sum;
  }
  return out;
}

TEST(OnnxImporter, SoftmaxBefore13CoercesTo2D) {
  OneNode m(11, "Softmax", {2, 3, 4});
  ir::Graph g = import(m.b);
  EXPECT_EQ(text(g), R"(graph @test {
  input %x : f32[2,3,4]
  %y.Reshape = Reshape(%x) {shape = [2, 12]} loc("n") : f32[2,12]
  %y.Softmax = Softmax(%y.Reshape) {axis = 1} loc("n") : f32[2,12]
  %y = Reshape(%y.Softmax) {shape = [2, 3, 4]} loc("n") : f32[2,3,4]
  output %y
}
)");
  ir::Tensor x = ramp({2, 3, 4}, 0.1);
  expectNear(ir::interpret(g, {x})[0], ir::Shape({2, 3, 4}), softmaxRows(values(x), 12));

  // axis 0: one row of everything.
  OneNode zero(1, "Softmax", {2, 3});
  OnnxModelBuilder::intAttr(*zero.node, "axis", 0);
  expectNear(zero.run(ramp({2, 3}, 0.3)), ir::Shape({2, 3}), softmaxRows(values(ramp({6}, 0.3)), 6));
}

TEST(OnnxImporter, SoftmaxBefore13OverTheLastAxisIsOneOp) {
  for (auto [opset, axis] : std::vector<std::pair<int64_t, int64_t>>{{11, -1}, {11, 2}, {6, 2}}) {
    OneNode m(opset, "Softmax", {2, 3, 4});
    OnnxModelBuilder::intAttr(*m.node, "axis", axis);
    EXPECT_NE(importText(m.b).find("%y = Softmax(%x) {axis = 2} loc(\"n\") : f32[2,3,4]"), std::string::npos);
  }
  OneNode twoD(11, "Softmax", {3, 5});  // default axis 1 of a 2-D input
  ir::Graph g = import(twoD.b);
  ASSERT_EQ(g.ops().size(), 1u);
  expectNear(ir::interpret(g, {ramp({3, 5}, 0.5)})[0], ir::Shape({3, 5}), softmaxRows(values(ramp({15}, 0.5)), 5));
}

TEST(OnnxImporter, SoftmaxFrom13IsOneAxis) {
  OneNode m(13, "Softmax", {2, 3, 4});
  EXPECT_NE(importText(m.b).find("%y = Softmax(%x) {axis = 2} loc(\"n\") : f32[2,3,4]"), std::string::npos);
  // axis 0 of [2,3]: each column.
  OneNode col(13, "Softmax", {2, 3});
  OnnxModelBuilder::intAttr(*col.node, "axis", -2);
  ir::Graph g = import(col.b);
  EXPECT_EQ(g.ops()[0].attrs.getInt("axis", -99), 0);
  double e = 1 / (1 + std::exp(3.0));
  expectNear(ir::interpret(g, {ramp({2, 3})})[0], ir::Shape({2, 3}), {e, e, e, 1 - e, 1 - e, 1 - e});
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions: ReduceSum's axes become an input at 13, ReduceMean's at 18.

TEST(OnnxImporter, ReduceSumAxesAttributeBefore13) {
  OneNode m(11, "ReduceSum", {2, 3, 4});
  OnnxModelBuilder::intsAttr(*m.node, "axes", {-1, 0});
  OnnxModelBuilder::intAttr(*m.node, "keepdims", 0);
  ir::Graph g = import(m.b);
  EXPECT_NE(text(g).find("%y = ReduceSum(%x) {axes = [0, 2], keepdims = 0} loc(\"n\") : f32[3]"), std::string::npos);
  // sum over i, k of (12i + 4j + k) = 2*4*4j + (4*12 + 2*6) = 32j + 60
  expectNear(ir::interpret(g, {ramp({2, 3, 4})})[0], ir::Shape({3}), {60, 92, 124});

  OneNode all(1, "ReduceSum", {2, 3});  // no axes: all of them, keepdims default 1
  EXPECT_NE(importText(all.b).find("%y = ReduceSum(%x) {axes = [], keepdims = 1} loc(\"n\") : f32[1,1]"),
            std::string::npos);
}

TEST(OnnxImporter, ReduceSumAxesInputFrom13) {
  OneNode m(13, "ReduceSum", {2, 3, 4}, {"axes"});
  m.b.initializer("axes", i64({1}, {1}));
  ir::Graph g = import(m.b);
  EXPECT_EQ(text(g), R"(graph @test {
  input %x : f32[2,3,4]
  %y = ReduceSum(%x) {axes = [1], keepdims = 1} loc("n") : f32[2,1,4]
  output %y
}
)");
  expectNear(ir::interpret(g, {ramp({2, 3, 4})})[0], ir::Shape({2, 1, 4}), {12, 15, 18, 21, 48, 51, 54, 57});

  OneNode none(13, "ReduceSum", {2, 3});  // axes omitted: all
  OnnxModelBuilder::intAttr(*none.node, "keepdims", 0);
  expectNear(none.run(ramp({2, 3})), ir::Shape({}), {15});

  OneNode empty(13, "ReduceSum", {2, 3}, {"axes"});  // an empty axes tensor: all too
  empty.b.initializer("axes", i64({0}, {}));
  expectNear(empty.run(ramp({2, 3})), ir::Shape({1, 1}), {15});

  OneNode noop(13, "ReduceSum", {2, 3}, {"axes"});  // ... unless noop_with_empty_axes=1
  noop.b.initializer("axes", i64({0}, {}));
  OnnxModelBuilder::intAttr(*noop.node, "noop_with_empty_axes", 1);
  EXPECT_NE(importText(noop.b).find("%y = Identity(%x) loc(\"n\") : f32[2,3]"), std::string::npos);

  OneNode omitted(18, "ReduceSum", {2, 3}, {""});  // an omitted optional input, named ""
  OnnxModelBuilder::intAttr(*omitted.node, "noop_with_empty_axes", 1);
  EXPECT_EQ(import(omitted.b).ops()[0].kind, ir::OpKind::Identity);
}

TEST(OnnxImporter, ReduceAxesErrors) {
  OneNode attrAt13(13, "ReduceSum", {2, 3});
  OnnxModelBuilder::intsAttr(*attrAt13.node, "axes", {0});
  EXPECT_EQ(importError(attrAt13.b),
            "node 'n' (ReduceSum, opset 13): has an 'axes' attribute, but since opset 13 the axes are the second input");
  OneNode twice(11, "ReduceMean", {2, 3});
  OnnxModelBuilder::intsAttr(*twice.node, "axes", {1, -1});
  EXPECT_EQ(importError(twice.b), "node 'n' (ReduceMean, opset 11): axes [1,-1] name an axis twice");
  OneNode range(13, "ReduceSum", {2, 3}, {"axes"});
  range.b.initializer("axes", i64({1}, {2}));
  EXPECT_EQ(importError(range.b), "node 'n' (ReduceSum, opset 13): axis 2 is out of range for rank 2");
  OneNode floats(13, "ReduceSum", {2, 3}, {"axes"});
  floats.b.initializer("axes", f32({1}, {1}));
  EXPECT_EQ(importError(floats.b), "node 'n' (ReduceSum, opset 13): input 'axes' (f32[1]) must be an integer tensor");
  OneNode computed(18, "ReduceMean", {2, 3}, {"x"});
  bool unsupported = false;
  EXPECT_EQ(importError(computed.b, {}, &unsupported),
            "node 'n' (ReduceMean, opset 18): unsupported attribute axes=<computed at run time>");
  EXPECT_TRUE(unsupported);
}

TEST(OnnxImporter, ReduceMeanAxesAttributeBefore18InputFrom18) {
  OneNode a(13, "ReduceMean", {2, 3});
  OnnxModelBuilder::intsAttr(*a.node, "axes", {1});
  ir::Graph ga = import(a.b);
  EXPECT_NE(text(ga).find("%y = ReduceMean(%x) {axes = [1], keepdims = 1} loc(\"n\") : f32[2,1]"), std::string::npos);
  expectNear(ir::interpret(ga, {ramp({2, 3})})[0], ir::Shape({2, 1}), {1, 4});

  OneNode b(18, "ReduceMean", {2, 3}, {"axes"});
  b.b.initializer("axes", i64({1}, {-2}));
  OnnxModelBuilder::intAttr(*b.node, "keepdims", 0);
  ir::Graph gb = import(b.b);
  EXPECT_NE(text(gb).find("%y = ReduceMean(%x) {axes = [0], keepdims = 0} loc(\"n\") : f32[3]"), std::string::npos);
  expectNear(ir::interpret(gb, {ramp({2, 3})})[0], ir::Shape({3}), {1.5, 2.5, 3.5});

  OneNode all(18, "ReduceMean", {2, 3});
  expectNear(all.run(ramp({2, 3})), ir::Shape({1, 1}), {2.5});
}

TEST(OnnxImporter, ReduceMaxMinAxesAttributeBefore18InputFrom18) {
  OneNode a(13, "ReduceMax", {2, 3});
  OnnxModelBuilder::intsAttr(*a.node, "axes", {1});
  ir::Graph ga = import(a.b);
  EXPECT_NE(text(ga).find("%y = ReduceMax(%x) {axes = [1], keepdims = 1} loc(\"n\") : f32[2,1]"), std::string::npos);
  expectNear(ir::interpret(ga, {ramp({2, 3})})[0], ir::Shape({2, 1}), {2, 5});

  OneNode b(18, "ReduceMin", {2, 3}, {"axes"});
  b.b.initializer("axes", i64({1}, {-2}));
  OnnxModelBuilder::intAttr(*b.node, "keepdims", 0);
  ir::Graph gb = import(b.b);
  EXPECT_NE(text(gb).find("%y = ReduceMin(%x) {axes = [0], keepdims = 0} loc(\"n\") : f32[3]"), std::string::npos);
  expectNear(ir::interpret(gb, {ramp({2, 3})})[0], ir::Shape({3}), {0, 1, 2});

  OneNode attrAt18(18, "ReduceMax", {2, 3});
  OnnxModelBuilder::intsAttr(*attrAt18.node, "axes", {0});
  EXPECT_EQ(importError(attrAt18.b),
            "node 'n' (ReduceMax, opset 18): has an 'axes' attribute, but since opset 18 the axes are the second input");
}

// ---------------------------------------------------------------------------------------------------------------
// Concat and Constant.

TEST(OnnxImporter, ConcatAxisIsNormalised) {
  for (int64_t opset : {6, 11, 13}) {
    OnnxModelBuilder b(opset);
    b.input("a", {2, 1}).input("b", {2, 2});
    OnnxModelBuilder::intAttr(b.node("Concat", {"a", "b"}, {"c"}, "cat"), "axis", opset >= 11 ? -1 : 1);
    b.output("c");
    ir::Graph g = import(b);
    EXPECT_EQ(g.ops()[0].attrs.getInt("axis", -99), 1);
    expectNear(ir::interpret(g, {f32({2, 1}, {9, 8}), ramp({2, 2})})[0], ir::Shape({2, 3}), {9, 0, 1, 8, 2, 3});
  }
  OnnxModelBuilder noAxis(13);
  noAxis.input("a", {2});
  noAxis.node("Concat", {"a", "a"}, {"c"}, "cat");
  noAxis.output("c");
  EXPECT_EQ(importError(noAxis), "node 'cat' (Concat, opset 13): has no 'axis' attribute");
}

TEST(OnnxImporter, ConstantFormsBecomeParamsNamedByTheirOutput) {
  OnnxModelBuilder b(13);
  b.input("x", {2});
  auto& t = b.node("Constant", {}, {"k_tensor"});
  *t.add_attribute() = [] {
    onnx::AttributeProto a;
    a.set_name("value");
    a.set_type(onnx::AttributeProto::TENSOR);
    *a.mutable_t() = tensorToOnnx(f32({2}, {0.5, 2}), "ignored");
    return a;
  }();
  OnnxModelBuilder::floatAttr(b.node("Constant", {}, {"k_float"}), "value_float", 3.0f);
  auto& fs = b.node("Constant", {}, {"k_floats"});
  auto* a = fs.add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  a->add_floats(1.0f);
  a->add_floats(-1.0f);
  OnnxModelBuilder::intAttr(b.node("Constant", {}, {"k_int"}), "value_int", 7);
  OnnxModelBuilder::intsAttr(b.node("Constant", {}, {"k_ints"}), "value_ints", {1, 2, 3});
  b.node("Mul", {"x", "k_tensor"}, {"m1"});
  b.node("Add", {"m1", "k_float"}, {"m2"});
  b.node("Mul", {"m2", "k_floats"}, {"y"});
  b.output("y").output("k_int").output("k_ints");
  ir::Graph g = import(b);
  std::vector<std::string> params;
  for (ir::ValueId p : g.params()) params.push_back(g.value(p).name + ":" + g.value(p).type.str());
  EXPECT_EQ(params, (std::vector<std::string>{"k_tensor:f32[2]", "k_float:f32[]", "k_floats:f32[2]", "k_int:i64[]",
                                              "k_ints:i64[3]"}));
  std::vector<ir::Tensor> out = ir::interpret(g, {f32({2}, {4, 4})});
  expectNear(out[0], ir::Shape({2}), {5, -11});  // (4*0.5 + 3) * 1, (4*2 + 3) * -1
  EXPECT_EQ(out[1].toInts(), (std::vector<int64_t>{7}));
  EXPECT_EQ(out[2].toInts(), (std::vector<int64_t>{1, 2, 3}));
}

TEST(OnnxImporter, ConstantFormsShardcRefuses) {
  OnnxModelBuilder b(13);
  auto* a = b.node("Constant", {}, {"k"}, "c").add_attribute();
  a->set_name("sparse_value");
  a->set_type(onnx::AttributeProto::SPARSE_TENSOR);
  b.output("k");
  bool unsupported = false;
  EXPECT_EQ(importError(b, {}, &unsupported), "node 'c' (Constant, opset 13): unsupported attribute sparse_value=<sparse tensor>");
  EXPECT_TRUE(unsupported);

  OnnxModelBuilder s(13);
  auto* str = s.node("Constant", {}, {"k"}, "c").add_attribute();
  str->set_name("value_string");
  str->set_type(onnx::AttributeProto::STRING);
  str->set_s("hello");
  s.output("k");
  EXPECT_EQ(importError(s), "node 'c' (Constant, opset 13): unsupported attribute value_string=<string>");
}

// ---------------------------------------------------------------------------------------------------------------
// Rejected models.

TEST(OnnxImporter, DynamicDimensionNeedsAShape) {
  OnnxModelBuilder b(17);
  b.input("x", {0, 784}, onnx::TensorProto::FLOAT, {"N", ""});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  EXPECT_EQ(importError(b), "input 'x' has dynamic dimension 'N' (shape [N,784]); give it with --shape x=1x784");

  ImportOptions o;
  o.inputShapes["x"] = ir::Shape({8, 784});
  ir::Graph g = import(b, o);
  EXPECT_EQ(g.value(g.inputs()[0]).type.str(), "f32[8,784]");
  EXPECT_EQ(g.value(g.outputs()[0]).type.str(), "f32[8,784]");

  o.inputShapes["x"] = ir::Shape({8, 785});
  EXPECT_EQ(importError(b, o), "--shape x=8x785: dimension 1 of input 'x' is fixed to 784 by the model");
  o.inputShapes["x"] = ir::Shape({8, 784, 1});
  EXPECT_EQ(importError(b, o), "--shape x=8x784x1: the model's input 'x' has rank 2 ([N,784])");
  o.inputShapes = {{"nope", ir::Shape({1})}, {"x", ir::Shape({1, 784})}};
  EXPECT_EQ(importError(b, o), "--shape nope=1: the model has no input 'nope'");

  ImportOptions keep;  // for inspection
  keep.allowDynamic = true;
  ir::Graph d = import(b, keep);
  EXPECT_EQ(d.value(d.inputs()[0]).type.shape.str(), "[N,784]");
}

TEST(OnnxImporter, UnknownDimensionsAndMissingShapes) {
  OnnxModelBuilder b(17);
  b.input("x", {3, 4});
  b.model().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)
      ->clear_dim_value();
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  EXPECT_EQ(importError(b), "input 'x' has an unknown dimension 1 (shape [3,?]); give it with --shape x=3x1");

  b.model().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  EXPECT_EQ(importError(b),
            "input 'x' has no shape in the model (not even its rank); give it with --shape x=DIMS");
  ImportOptions o;
  o.inputShapes["x"] = ir::Shape({5});
  EXPECT_EQ(import(b, o).value(0).type.str(), "f32[5]");
}

TEST(OnnxImporter, UnsupportedOperatorNamesNodeTypeOpsetAndTheSupportedList) {
  OnnxModelBuilder b(15);
  b.input("x", {2});
  b.node("Acos", {"x"}, {"y"}, "angle");
  b.output("y");
  bool unsupported = false;
  std::string msg = importError(b, {}, &unsupported);
  EXPECT_EQ(msg.substr(0, 119),
            "node 'angle' (Acos, opset 15): unsupported operator; supported: Abs, Add, And, ArgMax, ArgMin, AveragePool, BatchNormal");
  EXPECT_TRUE(unsupported);
  EXPECT_EQ(supportedOnnxOps().size(), 93u);
  // The operators CNNs and transformers exported from PyTorch use.
  for (const char* op : {"Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "LRN", "Dropout",
                         "Clip", "LeakyRelu", "Elu", "Selu", "HardSigmoid", "Gelu", "Erf", "Pow", "Reciprocal", "Abs",
                         "Log", "Min", "Max", "Where", "Equal", "Less", "Greater", "Not", "And", "Cast", "Shape",
                         "Gather", "Slice", "Split", "Squeeze", "Unsqueeze", "Expand", "Tile", "ConstantOfShape",
                         "Range", "Concat", "ReduceMax", "ReduceMin", "ReduceL2", "LayerNormalization", "Softmax",
                         "LogSoftmax", "MatMul", "ConvTranspose", "GatherElements", "ReduceProd", "ArgMax", "Einsum",
                         "TopK", "Pad"})
    EXPECT_NE(msg.find(std::string(" ") + op + ","), std::string::npos) << op;
}

TEST(OnnxImporter, OperatorsOfOtherDomainsAreUnsupported) {
  OnnxModelBuilder b(17);
  auto* ms = b.model().add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  b.input("x", {2});
  b.node("Relu", {"x"}, {"y"}, "fused").set_domain("com.microsoft");
  b.output("y");
  bool unsupported = false;
  std::string message = importError(b, {}, &unsupported);
  EXPECT_EQ(message.substr(0, message.find(';')),
            "node 'fused' (com.microsoft.Relu, opset 1): unsupported operator");
  EXPECT_TRUE(unsupported);
  // "ai.onnx" is the default domain spelled out.
  b.model().mutable_graph()->mutable_node(0)->set_domain("ai.onnx");
  EXPECT_EQ(import(b).ops()[0].kind, ir::OpKind::Relu);
}

TEST(OnnxImporter, MalformedGraphs) {
  OnnxModelBuilder undefined(13);
  undefined.input("x", {2});
  undefined.node("Add", {"x", "nope"}, {"y"}, "add");
  undefined.output("y");
  EXPECT_EQ(importError(undefined), "node 'add' (Add, opset 13): input 'nope' is not defined before this node");

  OnnxModelBuilder twice(13);
  twice.input("x", {2});
  twice.node("Relu", {"x"}, {"y"}, "a");
  twice.node("Neg", {"x"}, {"y"}, "b");
  twice.output("y");
  EXPECT_EQ(importError(twice), "node 'b' (Neg, opset 13): defines 'y', which is already defined");

  OnnxModelBuilder noOutput(13);
  noOutput.input("x", {2});
  noOutput.node("Relu", {"x"}, {"y"});
  noOutput.output("z");
  EXPECT_EQ(importError(noOutput), "test.onnx: graph output 'z' is not produced by any node");

  OnnxModelBuilder arity(13);
  arity.input("x", {2});
  arity.node("Relu", {"x", "x"}, {"y"}, "r");
  arity.output("y");
  EXPECT_EQ(importError(arity), "node 'r' (Relu, opset 13): has 2 inputs, expects 1");

  OnnxModelBuilder shapes(13);
  shapes.input("a", {2, 3}).input("b", {4, 5});
  shapes.node("MatMul", {"a", "b"}, {"y"}, "mm");
  shapes.output("y");
  std::string m = importError(shapes);
  EXPECT_EQ(m.rfind("node 'mm' (MatMul, opset 13): ", 0), 0u) << m;

  OnnxModelBuilder badInit(13);
  badInit.input("x", {2});
  onnx::TensorProto w = tensorToOnnx(f32({2}, {1, 2}), "w");
  w.add_dims(3);
  *badInit.model().mutable_graph()->add_initializer() = w;
  badInit.node("Add", {"x", "w"}, {"y"});
  badInit.output("y");
  EXPECT_EQ(importError(badInit), "tensor 'w': 8 bytes of raw data, shape [2,3] of f32 needs 24");

  OnnxModelBuilder noGraph(13);
  noGraph.model().clear_graph();
  EXPECT_EQ(importError(noGraph), "test.onnx: not a valid ONNX model (it has no graph)");
}

TEST(OnnxImporter, BadFilesAreOneClearError) {
  OnnxModelBuilder b(13);
  b.input("x", {4, 4}).initializer("w", ramp({4, 4}));
  b.node("MatMul", {"x", "w"}, {"y"}, "mm");
  b.output("y");
  std::string bytes = b.model().SerializeAsString();

  std::string good = tempPath("good.onnx");
  writeBytes(good, bytes);
  EXPECT_EQ(importOnnxFile(good).ops().size(), 1u);

  std::string truncated = tempPath("truncated.onnx");
  writeBytes(truncated, bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(errorOf([&] { importOnnxFile(truncated); }),
            truncated + ": not a valid ONNX model: truncated or corrupt (protobuf parse failed)");

  std::string notOnnx = tempPath("text.onnx");
  writeBytes(notOnnx, "this is not an ONNX model\n\xff\xff");
  EXPECT_EQ(errorOf([&] { importOnnxFile(notOnnx); }), notOnnx + ": not a valid ONNX model: truncated or corrupt (protobuf parse failed)");

  std::string empty = tempPath("empty.onnx");
  writeBytes(empty, "");
  EXPECT_EQ(errorOf([&] { importOnnxFile(empty); }), empty + ": not a valid ONNX model (it has no graph)");

  EXPECT_EQ(errorOf([] { importOnnxFile("/nonexistent/model.onnx"); }), "/nonexistent/model.onnx: cannot open");
  std::string dir = ::testing::TempDir();
  EXPECT_EQ(errorOf([&] { importOnnxFile(dir); }), dir + ": is a directory, not an ONNX model");
  for (const auto& p : {good, truncated, notOnnx, empty}) fs::remove(p);
}

// ---------------------------------------------------------------------------------------------------------------
// ONNX's own backend test data: the interpreter reproduces output_0.pb.

struct ConformanceCase {
  const char* dir;  // under the conformance root
  int64_t opset;    // what the model imports (checked, so the case means what the test says)
};

class OnnxConformance : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(OnnxConformance, InterpreterReproducesTheExpectedOutput) {
  std::string root = conformanceDir();
  if (root.empty()) GTEST_SKIP() << "no ONNX conformance data (SHARDC_CONFORMANCE_DIR)";
  fs::path dir = fs::path(root) / GetParam().dir;
  if (!fs::exists(dir / "model.onnx")) GTEST_SKIP() << dir << " is not in this copy of the data";

  onnx::ModelProto model;
  {
    std::ifstream in(dir / "model.onnx", std::ios::binary);
    ASSERT_TRUE(model.ParseFromIstream(&in));
  }
  int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty()) opset = o.version();
  EXPECT_EQ(opset, GetParam().opset);

  // Inputs in graph-input order; integer ones (axes, shapes) are also given as compile-time values.
  fs::path set = dir / "test_data_set_0";
  ImportOptions options;
  std::vector<ir::Tensor> inputs;
  for (int i = 0; fs::exists(set / ("input_" + std::to_string(i) + ".pb")); ++i) {
    inputs.push_back(readOnnxTensorFile((set / ("input_" + std::to_string(i) + ".pb")).string()));
    const std::string& name = model.graph().input(i).name();
    options.inputShapes[name] = inputs.back().shape();
    if (inputs.back().dtype() == ir::DType::i64) options.inputValues[name] = inputs.back();
  }
  ir::Graph g = importOnnx(model, (dir / "model.onnx").string(), options);
  std::vector<ir::Tensor> out = ir::interpret(g, inputs);
  ir::Tensor expected = readOnnxTensorFile((set / "output_0.pb").string());
  ASSERT_EQ(out.at(0).type().str(), expected.type().str());
  for (int64_t i = 0; i < expected.numElements(); ++i) {
    double e = expected.elementAsDouble(i);
    ASSERT_NEAR(out[0].elementAsDouble(i), e, 1e-5 + 1e-5 * std::fabs(e)) << "element " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Node, OnnxConformance,
    ::testing::Values(ConformanceCase{"node/test_matmul_2d", 13}, ConformanceCase{"node/test_matmul_4d", 13},
                      ConformanceCase{"node/test_softmax_axis_0", 13},
                      ConformanceCase{"node/test_softmax_negative_axis", 13},
                      ConformanceCase{"node/test_reduce_sum_keepdims_example", 13},
                      ConformanceCase{"node/test_reduce_sum_empty_axes_input_noop", 13},
                      ConformanceCase{"node/test_reduce_mean_do_not_keepdims_random", 18},
                      ConformanceCase{"node/test_reshape_negative_extended_dims", 23},
                      ConformanceCase{"node/test_reshape_allowzero_reordered", 23},
                      ConformanceCase{"node/test_flatten_negative_axis1", 23},
                      ConformanceCase{"node/test_gemm_all_attributes", 13},
                      ConformanceCase{"node/test_transpose_default", 23},
                      ConformanceCase{"node/test_concat_3d_axis_negative_1", 13},
                      ConformanceCase{"node/test_constant", 23}, ConformanceCase{"node/test_add_bcast", 14},
                      ConformanceCase{"pytorch-converted/test_Softmax", 6},
                      ConformanceCase{"pytorch-converted/test_softmax_functional_dim3", 6},
                      ConformanceCase{"pytorch-converted/test_Linear", 6},
                      ConformanceCase{"pytorch-operator/test_operator_addmm", 6},
                      ConformanceCase{"pytorch-operator/test_operator_reduced_mean_keepdim", 6},
                      ConformanceCase{"pytorch-operator/test_operator_view", 6}),
    [](const ::testing::TestParamInfo<ConformanceCase>& info) {
      std::string name = fs::path(info.param.dir).filename().string().substr(5);  // without "test_"
      return name;
    });

}  // namespace
}  // namespace shardc::frontend
