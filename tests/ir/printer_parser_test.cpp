#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/parser.h"
#include "ir/printer.h"

namespace shardc::ir {
namespace {

TensorType f32(Shape s) { return {DType::f32, std::move(s)}; }

Shape named(std::vector<int64_t> dims, std::vector<std::string> names) {
  Shape s(std::move(dims));
  s.dimNames = std::move(names);
  return s;
}

PrintOptions printAll() {
  PrintOptions o;
  o.elideAbove = -1;
  return o;
}

// The example of printer.h, built through the Graph API.
TEST(Printer, GoldenTextOfTheHeaderExample) {
  Graph g;
  g.name = "mlp";
  ValueId x = g.addInput("x", f32({1, 1, 28, 28}));
  ValueId w = g.addParam("layer1.weight", f32({784, 512}));
  g.addParam("shape", Tensor::fromInts(DType::i64, {2}, {1, 784}));
  Attributes reshape;
  reshape.set("shape", std::vector<int64_t>{1, 784});
  ValueId flat = g.addOp1(OpKind::Reshape, {x}, "flat", reshape);
  g.value(flat).type = f32({1, 784});
  ValueId h = g.addOp1(OpKind::MatMul, {flat, w}, "h");
  g.value(h).type = f32({1, 512});
  g.setOutputs({h});
  EXPECT_EQ(printGraph(g), R"(graph @mlp {
  input %x : f32[1,1,28,28]
  param %layer1.weight : f32[784,512] = <elided>
  param %shape : i64[2] = 0x01000000000000001003000000000000
  %flat = Reshape(%x) {shape = [1, 784]} : f32[1,784]
  %h = MatMul(%flat, %layer1.weight) : f32[1,512]
  output %h
}
)");
}

TEST(Printer, GoldenTextWithQuotedNamesDynamicDimsAttributesAndTwoResults) {
  Graph g;
  g.name = "torch-jit export";
  ValueId x = g.addInput("input:0", f32(named({kDynamicDim, 784}, {"N", ""})));
  ValueId y = g.addInput("y", {DType::i64, named({kDynamicDim, kDynamicDim, 3}, {"", "batch size", ""})});
  Attributes a;
  a.set("axis", int64_t{1});
  a.set("alpha", 0.5);
  a.set("mode", std::string("constant"));
  a.set("scales", std::vector<double>{1.0, 2.5});
  OpId split = g.addOp(OpKind::Identity, {x}, {"a", "b/1"}, a, "split \"one\"");
  g.value(g.op(split).results[0]).type = f32(named({kDynamicDim, 392}, {"N", ""}));
  g.value(g.op(split).results[1]).type = f32(named({kDynamicDim, 392}, {"2N", ""}));
  g.setOutputs({g.op(split).results[1], y});
  EXPECT_EQ(printGraph(g), R"(graph @"torch-jit export" {
  input %"input:0" : f32[N,784]
  input %y : i64[?,"batch size",3]
  %a, %"b/1" = Identity(%"input:0") {alpha = 0.5, axis = 1, mode = "constant", scales = [1.0, 2.5]} loc("split \"one\"") : f32[N,392], f32["2N",392]
  output %"b/1", %y
}
)");
}

TEST(Printer, ElidesParametersAboveTheLimitAndThoseWithoutData) {
  Graph g;
  g.addParam("sixteen", Tensor(DType::u8, {16}));
  g.addParam("seventeen", Tensor(DType::u8, {17}));
  g.addParam("unknown", TensorType{DType::u8, {1}});
  g.addParam("empty", Tensor(DType::u8, {0}));
  g.setOutputs({g.params()[0]});
  EXPECT_EQ(printGraph(g), R"(graph @main {
  param %sixteen : u8[16] = 0x00000000000000000000000000000000
  param %seventeen : u8[17] = <elided>
  param %unknown : u8[1] = <elided>
  param %empty : u8[0] = 0x
  output %sixteen
}
)");
  PrintOptions none;
  none.elideAbove = 0;
  std::string text = printGraph(g, none);
  EXPECT_NE(text.find("%sixteen : u8[16] = <elided>"), std::string::npos) << text;
  EXPECT_NE(text.find("%empty : u8[0] = 0x\n"), std::string::npos) << text;
  text = printGraph(g, printAll());
  EXPECT_NE(text.find("%seventeen : u8[17] = 0x0000000000000000000000000000000000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("%unknown : u8[1] = <elided>"), std::string::npos) << text;
}

TEST(Printer, OmitsTheOutputLineOfAGraphWithoutOutputs) {
  Graph g;
  g.name = "";
  g.addInput("x", f32({}));
  EXPECT_EQ(printGraph(g), "graph @\"\" {\n  input %x : f32[]\n}\n");
}

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

TEST(PrinterParser, ParsedGraphHasTheTypesNamesAndData) {
  Graph g = parseGraph(kMlp);
  EXPECT_EQ(g.name, "mlp");
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).type.shape.dims, (std::vector<int64_t>{kDynamicDim, 784}));
  EXPECT_EQ(g.value(g.inputs()[0]).type.shape.dimNames, (std::vector<std::string>{"batch", ""}));
  ASSERT_EQ(g.params().size(), 2u);
  EXPECT_EQ(g.value(g.params()[0]).name, "layer 1/weight:0");
  EXPECT_EQ(g.value(g.params()[0]).role, ValueRole::Param);
  EXPECT_EQ(g.value(g.params()[0]).type, f32({784, 2}));
  EXPECT_EQ(g.value(g.params()[0]).data, nullptr);
  const Tensor& b = *g.value(g.params()[1]).data;
  EXPECT_EQ(b.data<float>()[0], 1.0f);
  EXPECT_EQ(b.data<float>()[1], -2.0f);
  ASSERT_EQ(g.ops().size(), 3u);
  EXPECT_EQ(g.ops()[0].kind, OpKind::MatMul);
  EXPECT_EQ(g.ops()[0].name, "fc/matmul");
  EXPECT_EQ(g.ops()[1].name, "");
  EXPECT_EQ(g.ops()[2].attrs.getInt("axis", -1), 1);
  EXPECT_EQ(g.value(g.ops()[0].results[0]).type.shape.dimNames, (std::vector<std::string>{"batch", ""}));
  ASSERT_EQ(g.outputs().size(), 2u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "s");
  EXPECT_EQ(g.outputs()[1], g.ops()[0].results[0]);
}

TEST(PrinterParser, RoundTripsEveryAttributeKind) {
  Graph g;
  ValueId x = g.addInput("x", f32({2, 3}));
  Attributes a;
  a.set("i", int64_t{-7});
  a.set("zero", int64_t{0});
  a.set("max", std::numeric_limits<int64_t>::max());
  a.set("min", std::numeric_limits<int64_t>::min());
  a.set("f", 0.1);
  a.set("whole", 2.0);
  a.set("negzero", -0.0);
  a.set("big", 1e300);
  a.set("tiny", 5e-324);
  a.set("third", 1.0 / 3.0);
  a.set("inf", std::numeric_limits<double>::infinity());
  a.set("ninf", -std::numeric_limits<double>::infinity());
  a.set("s", std::string("quote \" and \\ and\nnewline\tand tab"));
  a.set("empty_s", std::string());
  a.set("ints", std::vector<int64_t>{1, -2, 3});
  a.set("no_ints", std::vector<int64_t>{});
  a.set("floats", std::vector<double>{0.5, -1e-7, 3.0, -std::numeric_limits<double>::infinity()});
  a.set("whole_floats", std::vector<double>{1.0, 2.0});
  ValueId y = g.addOp1(OpKind::Relu, {x}, "y", a, "n");
  g.value(y).type = f32({2, 3});
  g.setOutputs({y});
  std::string text = printGraph(g);
  Graph back = parseGraph(text);
  EXPECT_EQ(back.ops()[0].attrs, a) << text;
  EXPECT_TRUE(std::signbit(std::get<double>(back.ops()[0].attrs.all().at("negzero"))));
  EXPECT_EQ(printGraph(back), text);
}

TEST(PrinterParser, RoundTripsNotANumber) {
  Graph g;
  ValueId x = g.addInput("x", f32({2}));
  Attributes a;
  a.set("nan", std::numeric_limits<double>::quiet_NaN());
  a.set("nans", std::vector<double>{-std::numeric_limits<double>::quiet_NaN(), 1.0});
  ValueId y = g.addOp1(OpKind::Relu, {x}, "y", a);
  g.value(y).type = f32({2});
  g.setOutputs({y});
  std::string text = printGraph(g);
  Graph back = parseGraph(text);
  const auto& attrs = back.ops()[0].attrs;
  EXPECT_TRUE(std::isnan(attrs.getFloat("nan", 0)));
  ASSERT_EQ(attrs.getFloats("nans").size(), 2u);
  EXPECT_TRUE(std::isnan(attrs.getFloats("nans")[0]));
  EXPECT_TRUE(std::signbit(attrs.getFloats("nans")[0]));
  EXPECT_EQ(printGraph(back), text);
}

// Names that need quotes, dynamic dims with and without names, a param elided and one in hex, an op with two
// results, a node name with escapes: the text reads back to a graph that prints the same text.
const char* kAwkward = R"(graph @"model/v1:0" {
  input %"images:0" : f32[N,3,?,"width px"]
  input %1 : i64[]
  param %"w\\b" : f32[4,4] = <elided>
  param %"mask \"m\"" : bool[3] = 0x010001
  %split.0, %"split 1" = Identity(%"images:0") {axes = [], names = "a, b", ratio = [0.25, 0.75]} loc("ns/split:0") : f32[N,3,?,"width px"], f32[1,3]
  %2 = Add(%1, %1) : i64[]
  %"out put" = Relu(%"split 1") {alpha = -1.5e-05} : f32[1,3]
  output %"out put", %split.0, %2, %1
}
)";

TEST(PrinterParser, RoundTripsQuotedNamesDynamicDimsAndMultiResultOps) {
  Graph g = parseGraph(kAwkward);
  EXPECT_EQ(printGraph(g), kAwkward);
  EXPECT_EQ(g.name, "model/v1:0");
  for (const char* name : {"images:0", "1", "w\\b", "mask \"m\"", "split.0", "split 1", "2", "out put"})
    EXPECT_TRUE(g.findValue(name).has_value()) << name;
  const Shape& s = g.value(*g.findValue("images:0")).type.shape;
  EXPECT_EQ(s.dims, (std::vector<int64_t>{kDynamicDim, 3, kDynamicDim, kDynamicDim}));
  EXPECT_EQ(s.dimNames, (std::vector<std::string>{"N", "", "", "width px"}));
  ASSERT_EQ(g.ops()[0].results.size(), 2u);
  EXPECT_EQ(g.value(g.ops()[0].results[1]).type, f32({1, 3}));
  EXPECT_EQ(g.ops()[0].name, "ns/split:0");
  EXPECT_EQ(g.ops()[0].attrs.getInts("axes", {9}), std::vector<int64_t>{});
  EXPECT_EQ(g.ops()[2].attrs.getFloat("alpha", 0), -1.5e-05);
  EXPECT_EQ(g.value(*g.findValue("1")).type.shape.rank(), 0u);
  // Printing the parsed graph and parsing again gives the same graph text, data included.
  EXPECT_EQ(printGraph(parseGraph(printGraph(g, printAll())), printAll()), printGraph(g, printAll()));
}

TEST(PrinterParser, ReadsCommentsFreeSpacingAndOtherSpellings) {
  Graph g = parseGraph(R"(// a dump
graph@g{input %x:f32[2,N]   // the input
  param %p : i8[2] = 0XfF80
  %y = Add(%x,%x){a=+3,b=[1,2.0],c=[],d=-inf,e=1E3}:f32[2,N]
  %z = Neg(%y) {} : f32[2,N] output %z,%y}
)");
  EXPECT_EQ(printGraph(g), R"(graph @g {
  input %x : f32[2,N]
  param %p : i8[2] = 0xff80
  %y = Add(%x, %x) {a = 3, b = [1.0, 2.0], c = [], d = -inf, e = 1000.0} : f32[2,N]
  %z = Neg(%y) : f32[2,N]
  output %z, %y
}
)");
}

// Every element type, with bytes that are not round numbers (NaN payloads, denormals, odd half floats): the hex
// form carries them exactly.
TEST(PrinterParser, ParameterBytesRoundTripExactly) {
  std::mt19937 rng(7);
  Graph g;
  const DType all[] = {DType::f16, DType::bf16, DType::f32, DType::f64, DType::i8,  DType::i16,    DType::i32,
                       DType::i64, DType::u8,   DType::u16, DType::u32, DType::u64, DType::boolean};
  for (DType t : all) {
    Shape shape({3, 5});
    std::vector<std::byte> bytes(15 * dtypeSize(t));
    for (auto& b : bytes) b = std::byte(static_cast<unsigned char>(t == DType::boolean ? rng() % 2 : rng()));
    g.addParam(std::string("p_") + std::string(dtypeName(t)), Tensor(t, shape, bytes));
  }
  g.addParam("scalar", Tensor::fromDoubles(DType::f64, {}, {-0.0}));
  g.setOutputs({g.params()[0]});
  std::string text = printGraph(g, printAll());
  Graph back = parseGraph(text);
  ASSERT_EQ(back.params().size(), g.params().size());
  for (size_t i = 0; i < g.params().size(); ++i) {
    const Value& a = g.value(g.params()[i]);
    const Value& b = back.value(back.params()[i]);
    EXPECT_EQ(a.name, b.name);
    ASSERT_NE(b.data, nullptr) << b.name;
    EXPECT_EQ(b.data->type(), a.type);
    ASSERT_EQ(a.data->byteSize(), b.data->byteSize());
    EXPECT_EQ(std::memcmp(a.data->bytes(), b.data->bytes(), a.data->byteSize()), 0) << a.name;
  }
  EXPECT_EQ(printGraph(back, printAll()), text);
  EXPECT_NE(text.find("param %scalar : f64[] = 0x0000000000000080\n"), std::string::npos) << text;
}

TEST(PrinterParser, SmallParametersPrintInHexByDefault) {
  Graph g;
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) values.push_back(i * 0.1 - 3.3);
  g.addParam("w", Tensor::fromDoubles(DType::f32, {10, 10}, values));
  g.addParam("i", Tensor::fromInts(DType::i64, {3}, {-1, 0, 1LL << 40}));
  g.addParam("flag", Tensor::fromInts(DType::boolean, {2}, {1, 0}));
  g.setOutputs({g.params()[0]});
  std::string text = printGraph(g);
  EXPECT_NE(text.find("param %w : f32[10,10] = <elided>"), std::string::npos) << text;
  EXPECT_NE(text.find("param %i : i64[3] = 0xffffffffffffffff00000000000000000000000000010000"), std::string::npos)
      << text;
  EXPECT_NE(text.find("param %flag : bool[2] = 0x0100"), std::string::npos) << text;
  Graph back = parseGraph(text);
  EXPECT_EQ(back.value(back.params()[0]).data, nullptr);
  EXPECT_EQ(back.value(back.params()[0]).type, f32({10, 10}));
  EXPECT_EQ(back.value(back.params()[1]).data->toInts(), (std::vector<int64_t>{-1, 0, 1LL << 40}));
}

std::string parseError(const std::string& text) {
  try {
    parseGraph(text, "t.ir");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

struct ErrorCase {
  const char* text;
  const char* message;
};

TEST(Parser, ErrorsGiveLineAndColumn) {
  const ErrorCase cases[] = {
      // Unknown names.
      {"graph @g {\n  input %x : f33[2]\n}\n", "t.ir:2:14: unknown element type 'f33'"},
      {"graph @g {\n  %y = Relu(%x) : f32[2]\n}\n", "t.ir:2:13: use of undefined value %x"},
      {"graph @g {\n  input %x : f32[2]\n  output %x, %\"no such\"\n}\n",
       "t.ir:3:14: use of undefined value %\"no such\""},
      {"graph @g {\n  input %x : f32[2]\n  %y = Frob(%x) : f32[2]\n}\n", "t.ir:3:8: unknown op kind 'Frob'"},
      // Names defined twice.
      {"graph @g {\n  input %x : f32[2]\n  input %x : f32[2]\n}\n",
       "t.ir:3:9: value %x is defined twice (first at 2:9)"},
      {"graph @g {\n  input %x : f32[2]\n  param %x : f32[2] = <elided>\n}\n",
       "t.ir:3:9: value %x is defined twice (first at 2:9)"},
      {"graph @g {\n  input %x : f32[2]\n  %a, %a = Relu(%x) : f32[2], f32[2]\n}\n",
       "t.ir:3:7: value %a is defined twice (first at 3:3)"},
      {"graph @g {\n  input %x : f32[2]\n  %x = Relu(%x) : f32[2]\n}\n",
       "t.ir:3:3: value %x is defined twice (first at 2:9)"},
      {"graph @g {\n  input %\"\" : f32[2]\n}\n", "t.ir:2:9: a value name cannot be empty"},
      // Parameter data.
      {"graph @g {\n  param %w : f32[2] = 0x00\n}\n", "t.ir:2:23: parameter data has 1 bytes, f32[2] needs 8"},
      {"graph @g {\n  param %w : u8[2] = 0x0g00\n}\n", "t.ir:2:25: bad hex digit 'g' in parameter data"},
      {"graph @g {\n  param %w : u8[2] = 0x000\n}\n", "t.ir:2:22: parameter data has an odd number of hex digits"},
      {"graph @g {\n  param %w : u8[N] = 0x00\n}\n",
       "t.ir:2:22: parameter %w has data but its type u8[N] is not static"},
      {"graph @g {\n  param %w : u8[2] = elided\n}\n",
       "t.ir:2:22: expected parameter data (0x... or <elided>), got 'elided'"},
      {"graph @g {\n  param %w : u8[2] = <elide>\n}\n", "t.ir:2:23: expected 'elided', got 'elide'"},
      // Syntax.
      {"graph g {\n}\n", "t.ir:1:7: expected '@', got 'g'"},
      {"grph @g {\n}\n", "t.ir:1:1: expected 'graph', got 'grph'"},
      {"graph @g {\n  input %x f32[2]\n}\n", "t.ir:2:12: expected ':', got 'f32'"},
      {"graph @g {\n  input x : f32[2]\n}\n", "t.ir:2:9: expected '%', got 'x'"},
      {"graph @g {\n  input %x : f32[2,-1]\n}\n", "t.ir:2:20: expected a dimension (a size, a name or ?), got '-1'"},
      {"graph @g {\n  input %x : f32[2 3]\n}\n", "t.ir:2:20: expected ']', got '3'"},
      {"graph @g {\n  input %x : f32[99999999999999999999]\n}\n",
       "t.ir:2:18: dimension 99999999999999999999 is out of range"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) : f32[2], f32[2]\n}\n",
       "t.ir:3:17: 1 result(s) but 2 type(s)"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu %x : f32[2]\n}\n", "t.ir:3:13: expected '(', got '%'"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) loc(fc) : f32[2]\n}\n",
       "t.ir:3:21: expected a quoted node name, got 'fc'"},
      {"graph @g {\n  input %x : f32[2]\n  output %x\n  output %x\n}\n",
       "t.ir:4:3: the graph's outputs are listed twice"},
      {"graph @g {\n  inputs %x : f32[2]\n}\n", "t.ir:2:3: expected 'input', 'param', 'output', an op or '}', got 'inputs'"},
      {"graph @g {\n  input %x : f32[2]\n", "t.ir:3:1: expected '}' closing the graph, got end of input"},
      {"graph @g {\n}\ngraph @h {\n}\n", "t.ir:3:1: expected end of input after the graph, got 'graph'"},
      // Attributes.
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = 1, a = 2} : f32[2]\n}\n",
       "t.ir:3:25: attribute 'a' is given twice"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = 1x} : f32[2]\n}\n",
       "t.ir:3:22: expected a number, got '1x'"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = ident} : f32[2]\n}\n",
       "t.ir:3:22: expected a number, got 'ident'"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = [1, \"s\"]} : f32[2]\n}\n",
       "t.ir:3:26: expected a number, got '\"s\"'"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = 9223372036854775808} : f32[2]\n}\n",
       "t.ir:3:22: integer 9223372036854775808 is out of range"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = 1e999} : f32[2]\n}\n",
       "t.ir:3:22: number 1e999 is out of range"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = } : f32[2]\n}\n",
       "t.ir:3:22: expected an attribute value (a number, a string or a list), got '}'"},
      {"graph @g {\n  input %x : f32[2]\n  %y = Relu(%x) {a = 1 : f32[2]\n}\n", "t.ir:3:24: expected '}', got ':'"},
      // Tokens.
      {"graph @g {\n  input %x : f32[2] ;\n}\n", "t.ir:2:21: unexpected character ';'"},
      {"graph @\"g {\n}\n", "t.ir:1:8: unterminated string"},
      {"graph @\"a\\qb\" {\n}\n", "t.ir:1:10: unknown escape '\\q' in a string (\\\\, \\\", \\n, \\t, \\r)"},
      {"graph @g {\n  input %\"x\" : f32[2] \x01\n}\n", "t.ir:2:23: unexpected character '\\x01'"},
  };
  for (const ErrorCase& c : cases) EXPECT_EQ(parseError(c.text), c.message) << c.text;
}

TEST(Parser, LongTokensAreShortenedInMessages) {
  std::string text = "graph @g {\n  param %w : u8[2] = " + std::string(40, 'z') + "\n}\n";
  EXPECT_EQ(parseError(text), "t.ir:2:22: expected parameter data (0x... or <elided>), got 'zzzzzzzzzzzzzzzzzzzzzzzz...'");
}

TEST(Parser, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(parseError("graph @g {\n  input %\"\xc3\xa9t\xc3\xa9\" : f32[2] ;\n}\n"), "t.ir:2:25: unexpected character ';'");
}

TEST(Parser, UsesTheDefaultSourceName) {
  try {
    parseGraph("graph @g {");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "<text>:1:11: expected '}' closing the graph, got end of input");
  }
}

}  // namespace
}  // namespace shardc::ir
