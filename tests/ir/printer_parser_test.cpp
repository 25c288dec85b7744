#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/type_inference.h"

namespace shardc::ir {
namespace {

const char* kMlp = R"(graph @mlp {
  input %x : f32[batch,784]
  param %"layer 1/weight:0" : f32[784,2] = <elided>
  param %b : f32[2] = 0x0000803f000000c0
  %h = MatMul(%x, %"layer 1/weight:0") loc("fc/matmul") : f32[batch,2]
  %y = Add(%h, %b) : f32[batch,2]
  %s = Softmax(%y) {axis = 1} : f32[batch,2]
  output %s, %h
}
)";

TEST(PrinterParser, ReadsAndPrintsTheSameText) { EXPECT_EQ(printGraph(parseGraph(kMlp)), kMlp); }

TEST(PrinterParser, ParsedGraphHasTheTypesAndNames) {
  Graph g = parseGraph(kMlp);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).type.shape.dims, (std::vector<int64_t>{kDynamicDim, 784}));
  EXPECT_EQ(g.value(g.inputs()[0]).type.shape.dimNames[0], "batch");
  ASSERT_EQ(g.params().size(), 2u);
  EXPECT_EQ(g.value(g.params()[0]).name, "layer 1/weight:0");
  EXPECT_EQ(g.value(g.params()[0]).data, nullptr);
  const Tensor& b = *g.value(g.params()[1]).data;
  EXPECT_EQ(b.data<float>()[0], 1.0f);
  EXPECT_EQ(b.data<float>()[1], -2.0f);
  EXPECT_EQ(g.ops()[0].name, "fc/matmul");
  EXPECT_EQ(g.ops()[2].attrs.getInt("axis", -1), 1);
  EXPECT_EQ(g.outputs().size(), 2u);
}

TEST(PrinterParser, EveryAttributeKindRoundTrips) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2, 3}});
  Attributes a;
  a.set("i", int64_t{-7});
  a.set("f", 0.1);
  a.set("whole", 2.0);
  a.set("tiny", 1e-300);
  a.set("inf", std::numeric_limits<double>::infinity());
  a.set("s", std::string("quote \" and \\ and\nnewline"));
  a.set("ints", std::vector<int64_t>{1, -2, 3});
  a.set("floats", std::vector<double>{0.5, -1e-7, 3.0});
  ValueId y = g.addOp1(OpKind::Relu, {x}, "y", a, "n");
  g.value(y).type = {DType::f32, {2, 3}};
  g.setOutputs({y});
  Graph back = parseGraph(printGraph(g));
  EXPECT_EQ(back.ops()[0].attrs, a);
  EXPECT_EQ(printGraph(back), printGraph(g));
}

TEST(PrinterParser, ParameterBytesRoundTripExactly) {
  Graph g;
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) values.push_back(i * 0.1 - 3.3);
  g.addParam("w", Tensor::fromDoubles(DType::f32, {10, 10}, values));
  g.addParam("i", Tensor::fromInts(DType::i64, {3}, {-1, 0, 1LL << 40}));
  g.addParam("flag", Tensor::fromInts(DType::boolean, {2}, {1, 0}));
  g.setOutputs({g.params()[0]});
  PrintOptions all;
  all.elideAbove = -1;
  Graph back = parseGraph(printGraph(g, all));
  for (size_t i = 0; i < 3; ++i) {
    const Tensor& a = *g.value(g.params()[i]).data;
    const Tensor& b = *back.value(back.params()[i]).data;
    ASSERT_EQ(a.byteSize(), b.byteSize());
    EXPECT_EQ(std::memcmp(a.bytes(), b.bytes(), a.byteSize()), 0);
  }
  // With the default options the 100-element weight is elided, the small ones are not.
  std::string text = printGraph(g);
  EXPECT_NE(text.find("param %w : f32[10,10] = <elided>"), std::string::npos) << text;
  EXPECT_NE(text.find("param %i : i64[3] = 0xffffffffffffffff00000000000000000000000000010000"), std::string::npos)
      << text;
  EXPECT_NE(text.find("param %flag : bool[2] = 0x0100"), std::string::npos) << text;
}

void expectParseError(const std::string& text, const std::string& message) {
  try {
    parseGraph(text, "t.ir");
    FAIL() << "no error for:\n" << text;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(PrinterParser, ErrorsGiveLineAndColumn) {
  expectParseError("graph @g {\n  input %x : f33[2]\n}\n",
                   "t.ir:2:14: expected an element type (f32, i64, bool, ...), got 'f33[2]'");
  expectParseError("graph @g {\n  %y = Relu(%x) : f32[2]\n}\n", "t.ir:2:14: use of undefined value %x, got 'x) : f32[2]'");
  expectParseError("graph @g {\n  input %x : f32[2]\n  %y = Frob(%x) : f32[2]\n}\n",
                   "t.ir:3:8: unknown op 'Frob', got 'Frob(%x) : f'");
  expectParseError("graph @g {\n  input %x : f32[2]\n  input %x : f32[2]\n}\n",
                   "t.ir:3:10: value %x is defined twice, got 'x : f32[2]'");
  expectParseError("graph @g {\n  param %w : f32[2] = 0x00\n}\n",
                   "t.ir:2:23: parameter data has 1 bytes, f32[2] needs 8, got '0x00'");
  expectParseError("graph @g {\n  input %x : f32[2]\n", "t.ir:3:1: expected '}' closing the graph, got end of input");
}

}  // namespace
}  // namespace shardc::ir
