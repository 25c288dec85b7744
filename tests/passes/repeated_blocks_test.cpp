// Repeated blocks: segments are cut where one value carries everything onward, and segments that compute the same
// thing after the same kind of segment are one class, whatever their names and weights.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ir/parser.h"
#include "passes/repeated_blocks.h"

namespace shardc::passes {
namespace {

// An embedding (a Relu of the input) and four residual layers y = x + relu(x·w), the last one given as text. Inside
// a layer its input and the product are both live, so each layer is one segment.
std::string layers(const std::string& last) {
  std::string text = "graph @stack {\n  input %x : f32[4,8]\n";
  for (int i = 0; i < 4; ++i) text += fmt::format("  param %w{} : f32[8,8] = <elided>\n", i);
  text += "  param %v : f32[8,16] = <elided>\n  param %u : f32[16,8] = <elided>\n";
  text += "  %e = Relu(%x) : f32[4,8]\n";
  const char* in[] = {"%e", "%y0", "%y1"};
  for (int i = 0; i < 3; ++i)
    text += fmt::format(
        "  %m{0} = MatMul({1}, %w{0}) : f32[4,8]\n  %r{0} = Relu(%m{0}) : f32[4,8]\n"
        "  %y{0} = Add({1}, %r{0}) : f32[4,8]\n",
        i, in[i]);
  return text + last + "  output %y3\n}\n";
}

constexpr const char* kSameLayer = R"(  %m3 = MatMul(%y2, %w3) : f32[4,8]
  %r3 = Relu(%m3) : f32[4,8]
  %y3 = Add(%y2, %r3) : f32[4,8]
)";

// The first layer follows the embedding, the second a layer: from the second on, each layer is the second again.
TEST(RepeatedBlocks, LayerAfterLayerCopiesTheFirstSuch) {
  ir::Graph g = ir::parseGraph(layers(kSameLayer), "test");
  RepeatedBlocks b = findRepeatedBlocks(g);
  ASSERT_EQ(b.segments.size(), 5u);
  EXPECT_EQ(b.classes, 3u);
  EXPECT_EQ(b.segments[0].endOp, 1u);
  EXPECT_EQ(b.segments[1].firstOp, 1u);
  EXPECT_EQ(b.segments[1].endOp, 4u);
  EXPECT_EQ(b.segments[4].firstOp, 10u);
  EXPECT_EQ(b.segments[4].endOp, 13u);
  EXPECT_EQ(b.segments[0].copyOf, -1);
  EXPECT_EQ(b.segments[1].copyOf, -1);
  EXPECT_EQ(b.segments[2].copyOf, -1);
  EXPECT_EQ(b.segments[3].copyOf, 2);
  EXPECT_EQ(b.segments[4].copyOf, 2);
  EXPECT_EQ(b.segments[2].blockClass, b.segments[4].blockClass);
  EXPECT_NE(b.segments[1].blockClass, b.segments[2].blockClass);
  EXPECT_EQ(b.segmentOf, (std::vector<size_t>{0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}));
  EXPECT_EQ(b.copiedOp(10), 4);
  EXPECT_EQ(b.copiedOp(12), 6);
  EXPECT_EQ(b.copiedOp(8), 5);
  EXPECT_EQ(b.copiedOp(5), -1);
  EXPECT_EQ(b.copiedOp(0), -1);
}

// A graph input is not a value that must be carried: a layer reading one is cut after each op.
TEST(RepeatedBlocks, GraphInputsDoNotHoldACut) {
  ir::Graph g = ir::parseGraph(R"(graph @g {
  input %x : f32[4,8]
  param %w : f32[8,8] = <elided>
  %m = MatMul(%x, %w) : f32[4,8]
  %r = Relu(%m) : f32[4,8]
  %y = Add(%x, %r) : f32[4,8]
  output %y
}
)",
                               "test");
  EXPECT_EQ(findRepeatedBlocks(g).segments.size(), 3u);
}

// A chain of single ops: every op is its own segment.
TEST(RepeatedBlocks, ChainCutsAfterEveryOp) {
  ir::Graph g = ir::parseGraph(R"(graph @chain {
  input %x : f32[4]
  %a = Relu(%x) : f32[4]
  %b = Relu(%a) : f32[4]
  %c = Relu(%b) : f32[4]
  %d = Relu(%c) : f32[4]
  %e = Neg(%d) : f32[4]
  output %e
}
)",
                               "test");
  RepeatedBlocks b = findRepeatedBlocks(g);
  ASSERT_EQ(b.segments.size(), 5u);
  // Relu of the input; Relu after it; Relu after Relu (twice); Neg.
  EXPECT_EQ(b.classes, 4u);
  EXPECT_EQ(b.segments[3].copyOf, 2);
  EXPECT_EQ(b.segments[4].copyOf, -1);
}

// A fourth layer that differs in a weight shape, its wiring, an attribute or an op is not a copy.
TEST(RepeatedBlocks, DifferentLayerBreaksTheClass) {
  for (const char* last : {
           R"(  %m3 = MatMul(%y2, %v) : f32[4,16]
  %r3 = MatMul(%m3, %u) : f32[4,8]
  %y3 = Add(%y2, %r3) : f32[4,8]
)",
           R"(  %m3 = MatMul(%y2, %w3) : f32[4,8]
  %r3 = Relu(%m3) : f32[4,8]
  %y3 = Add(%r3, %y2) : f32[4,8]
)",
           R"(  %m3 = MatMul(%y2, %w3) : f32[4,8]
  %r3 = Softmax(%m3) {axis = 0} : f32[4,8]
  %y3 = Add(%y2, %r3) : f32[4,8]
)",
           R"(  %m3 = MatMul(%y2, %w3) : f32[4,8]
  %r3 = Relu(%m3) : f32[4,8]
  %y3 = Mul(%y2, %r3) : f32[4,8]
)"}) {
    ir::Graph g = ir::parseGraph(layers(last), "test");
    RepeatedBlocks b = findRepeatedBlocks(g);
    ASSERT_EQ(b.segments.size(), 5u) << last;
    EXPECT_EQ(b.segments[3].copyOf, 2) << last;
    EXPECT_EQ(b.segments[4].copyOf, -1) << last;
    EXPECT_EQ(b.classes, 4u) << last;
  }
}

// Names and weight values do not matter: the same layers with other names are found the same way.
TEST(RepeatedBlocks, NamesDoNotMatter) {
  std::string renamed = layers(kSameLayer);
  for (auto [from, to] : {std::pair{"%w3", "%layer3.weight"}, std::pair{"%m3", "%proj"}}) {
    for (size_t at = renamed.find(from); at != std::string::npos; at = renamed.find(from, at + 1))
      renamed.replace(at, std::string(from).size(), to);
  }
  ir::Graph g = ir::parseGraph(renamed, "test");
  RepeatedBlocks b = findRepeatedBlocks(g);
  ASSERT_EQ(b.segments.size(), 5u);
  EXPECT_EQ(b.segments[4].copyOf, 2);
}

}  // namespace
}  // namespace shardc::passes
