#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/graph_view.h"
#include "ir/parser.h"
#include "ir/printer.h"

namespace shardc::ir {
namespace {

TEST(GraphView, SortsAShuffledDiamond) {
  Graph g = parseGraph(R"(graph @g {
  input %x : f32[2]
  %a = Relu(%x) : f32[2]
  %b = Neg(%a) : f32[2]
  %c = Exp(%a) : f32[2]
  %d = Add(%b, %c) : f32[2]
  output %d
}
)");
  std::vector<Op> shuffled = {g.ops()[3], g.ops()[2], g.ops()[0], g.ops()[1]};
  g.setOps(shuffled);
  sortOpsTopologically(g);
  std::vector<std::string> order;
  for (const Op& op : g.ops()) order.push_back(g.value(op.results[0]).name);
  // Among ready ops the earliest in the current order goes first: c (index 1) before b (index 3).
  EXPECT_EQ(order, (std::vector<std::string>{"a", "c", "b", "d"}));
}

TEST(GraphView, KeepsAnOrderedGraphAsItIs) {
  Graph g = parseGraph("graph @g {\n  input %x : f32[2]\n  %a = Relu(%x) : f32[2]\n  %b = Neg(%x) : f32[2]\n"
                       "  %c = Add(%a, %b) : f32[2]\n  output %c\n}\n");
  EXPECT_EQ(topologicalOrder(g), (std::vector<OpId>{0, 1, 2}));
}

TEST(GraphView, NamesAnOpOnACycle) {
  Graph g;
  ValueId x = g.addInput("x", {DType::f32, {2}});
  OpId a = g.addOp(OpKind::Add, {x, x}, {"a"}, {}, "first");
  OpId b = g.addOp(OpKind::Neg, {g.op(a).results[0]}, {"b"}, {}, "second");
  g.op(a).operands[1] = g.op(b).results[0];
  g.setOutputs({g.op(b).results[0]});
  try {
    topologicalOrder(g);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "node 'first' (Add) is on a cycle");
  }
}

}  // namespace
}  // namespace shardc::ir
